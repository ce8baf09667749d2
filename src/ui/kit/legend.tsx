/**
 * Every chart's legend, drawn one way: a row of entries above (or under) the chart, each a small
 * key (a line, a band under a line, a dot, a box, or a colour scale) and its text. The keys are
 * tiny SVGs hidden from screen readers, except colour scales, which name their range; the row is
 * a group named after the chart. The classes (`legend`, `legend-item`) are what the stylesheet
 * and the chart downloads (download/charts.ts) select.
 */
import type { ReactNode } from 'react';

/** A marker key's box (`size` pixels square) and paint: a class that styles it, or its colours. */
interface Marker {
  size: number;
  className?: string;
  fill?: string;
  stroke?: string;
  line?: number;
}

/** A legend key: how the entry's mark looks in the chart. */
export type Mark =
  /** a line: a curve's colour (or a class that styles it) and dash */
  | { kind: 'line'; color?: string; className?: string; dash?: string; width?: number; length?: number }
  /** a band under a line: a curve with its range or confidence band */
  | { kind: 'band'; color: string; opacity: number; band: number; width: number }
  /** a dot of radius r */
  | ({ kind: 'dot'; r: number } & Marker)
  /** a square of side `side` */
  | ({ kind: 'box'; side: number } & Marker)
  /** a colour scale: `color(t)` for t in 0..1, a bar `length` pixels long, with ticks under it if given */
  | {
      kind: 'scale';
      id: string;
      color: (t: number) => string;
      stops: readonly number[];
      length: number;
      label: string;
      ticks?: readonly { at: number; text: string }[];
    };

export interface LegendEntry {
  key: string;
  /** the text after the key */
  label?: ReactNode;
  /** text before the key (a colour scale's low end) */
  lead?: ReactNode;
  mark?: Mark;
  /** extra classes of the entry */
  className?: string;
  testId?: string;
}

const KEY_LENGTH = 22;
const KEY_HEIGHT = 12;

function ColorScale({ mark }: { mark: Extract<Mark, { kind: 'scale' }> }) {
  const ticks = mark.ticks ?? null;
  const pad = ticks ? 8 : 0;
  return (
    <svg width={mark.length + 2 * pad} height={ticks ? 30 : 10} role="img" aria-label={mark.label}>
      <defs>
        <linearGradient id={mark.id}>
          {mark.stops.map((t) => (
            <stop key={t} offset={`${t * 100}%`} stopColor={mark.color(t)} />
          ))}
        </linearGradient>
      </defs>
      <rect x={pad} y={ticks ? 2 : 0} width={mark.length} height="10" rx="2" fill={`url(#${mark.id})`} />
      {ticks?.map((t) => {
        const px = pad + t.at * mark.length;
        return (
          <g key={t.text}>
            <line x1={px} x2={px} y1="12" y2="16" stroke="#555" />
            <text x={px} y="27" textAnchor="middle" className="tick-text">
              {t.text}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** One legend key as a small SVG. */
function Swatch({ mark }: { mark: Mark }) {
  if (mark.kind === 'scale') return <ColorScale mark={mark} />;
  if (mark.kind === 'dot' || mark.kind === 'box') {
    const c = mark.size / 2;
    const paint = { className: mark.className, fill: mark.fill, stroke: mark.stroke, strokeWidth: mark.line };
    return (
      <svg width={mark.size} height={mark.size} aria-hidden="true">
        {mark.kind === 'dot' ? (
          <circle cx={c} cy={c} r={mark.r} {...paint} />
        ) : (
          <rect x={c - mark.side / 2} y={c - mark.side / 2} width={mark.side} height={mark.side} {...paint} />
        )}
      </svg>
    );
  }
  const length = mark.kind === 'line' ? (mark.length ?? KEY_LENGTH) : KEY_LENGTH;
  const mid = KEY_HEIGHT / 2;
  return (
    <svg width={length} height={KEY_HEIGHT} aria-hidden="true">
      {mark.kind === 'band' ? (
        <rect
          x="0"
          y={mid - mark.band / 2}
          width={length}
          height={mark.band}
          fill={mark.color}
          opacity={mark.opacity}
        />
      ) : null}
      <line
        x1="0"
        x2={length}
        y1={mid}
        y2={mid}
        className={mark.kind === 'line' ? mark.className : undefined}
        stroke={mark.color}
        strokeWidth={mark.kind === 'line' ? (mark.width ?? (mark.className ? undefined : 2)) : mark.width}
        strokeDasharray={mark.kind === 'line' ? mark.dash : undefined}
      />
    </svg>
  );
}

/** A chart's legend: its entries in a row, as a group named `label` (e.g. "Legend of the task view"). */
export function Legend({ label, entries }: { label: string; entries: readonly (LegendEntry | null)[] }) {
  return (
    <div className="legend" role="group" aria-label={label}>
      {entries.map((e) =>
        e ? (
          <span
            key={e.key}
            className={e.className ? `legend-item ${e.className}` : 'legend-item'}
            data-testid={e.testId}
          >
            {e.lead}
            {e.mark ? <Swatch mark={e.mark} /> : null}
            {e.label}
          </span>
        ) : null,
      )}
    </div>
  );
}
