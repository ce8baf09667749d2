/**
 * The θ view's chart of the meta-learned inner learning rates: MAML++'s LSLR rate of each
 * parameter tensor against the inner step, or Meta-SGD's per-parameter α summarised per tensor
 * (mean, with its smallest and largest), beside the α every rate started from. It moves with
 * each θ report while training.
 */
import * as d3 from 'd3';
import { useRef } from 'react';
import type { InnerRatesReport } from '../../worker/protocol';
import { useStore } from '../shell/store';
import { useWidth } from '../kit/useWidth';
import { Legend, type LegendEntry } from '../kit/legend';

const HEIGHT = 190;
const MARGIN = { top: 10, right: 16, bottom: 34, left: 56 };
const START_COLOR = '#6b7280';
const fmt = d3.format('.3~g');

/** one colour per parameter tensor: a layer's weights solid, its biases the same hue dashed */
function tensorStyle(i: number): { color: string; dash: string } {
  return { color: d3.schemeTableau10[Math.floor(i / 2) % 10] as string, dash: i % 2 === 0 ? '' : '4 3' };
}

/** the value range the chart spans: every rate shown and the starting α, padded a little */
function span(r: InnerRatesReport): [number, number] {
  const all = [r.initial, ...r.values, ...(r.low ?? []), ...(r.high ?? [])].filter(Number.isFinite);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = hi > lo ? (hi - lo) * 0.08 : Math.abs(hi) * 0.1 || 0.01;
  return [lo - pad, hi + pad];
}

function Axes({ y, width, xLabel }: { y: d3.ScaleLinear<number, number>; width: number; xLabel: string }) {
  const bottom = HEIGHT - MARGIN.bottom;
  return (
    <g className="axis-label">
      <line x1={MARGIN.left} x2={width - MARGIN.right} y1={bottom} y2={bottom} stroke="currentColor" />
      {y.ticks(4).map((t) => (
        <text key={t} x={MARGIN.left - 6} y={y(t) + 4} textAnchor="end" fontSize={11}>
          {fmt(t)}
        </text>
      ))}
      <text x={(MARGIN.left + width - MARGIN.right) / 2} y={HEIGHT - 4} textAnchor="middle" fontSize={11}>
        {xLabel}
      </text>
      <text
        transform={`translate(12,${(MARGIN.top + bottom) / 2}) rotate(-90)`}
        textAnchor="middle"
        fontSize={11}
      >
        inner learning rate
      </text>
    </g>
  );
}

/** The starting α across the plot, dashed grey: what every learned rate began at. */
function StartLine({ y, width }: { y: number; width: number }) {
  return (
    <line
      x1={MARGIN.left}
      x2={width - MARGIN.right}
      y1={y}
      y2={y}
      stroke={START_COLOR}
      strokeDasharray="2 3"
    />
  );
}

/** MAML++: a line per tensor over the inner steps 1..steps. */
function StepLines({ r, width }: { r: InnerRatesReport; width: number }) {
  const y = d3.scaleLinear(span(r), [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const x = d3.scaleLinear([1, Math.max(2, r.steps)], [MARGIN.left + 10, width - MARGIN.right - 10]);
  const n = r.tensors.length;
  return (
    <>
      <Axes y={y} width={width} xLabel="inner step" />
      {Array.from({ length: r.steps }, (_, s) => (
        <text
          key={s}
          className="axis-label"
          x={x(s + 1)}
          y={HEIGHT - MARGIN.bottom + 14}
          textAnchor="middle"
          fontSize={11}
        >
          {s + 1}
        </text>
      ))}
      <StartLine y={y(r.initial)} width={width} />
      {r.tensors.map((name, i) => {
        const pts = Array.from(
          { length: r.steps },
          (_, s) => [x(s + 1), y(r.values[s * n + i] as number)] as [number, number],
        );
        const { color, dash } = tensorStyle(i);
        return (
          <g key={name} data-testid={`rate-line-${name}`}>
            <path
              d={d3.line()(pts) ?? ''}
              fill="none"
              stroke={color}
              strokeWidth={2}
              strokeDasharray={dash}
            />
            {pts.map(([px, py], s) => (
              <circle key={s} cx={px} cy={py} r={3} fill={color}>
                <title>{`${name}, step ${s + 1}: ${fmt(r.values[s * n + i] as number)}`}</title>
              </circle>
            ))}
          </g>
        );
      })}
    </>
  );
}

/** Meta-SGD: a dot per tensor at its mean α, a whisker from its smallest to its largest. */
function TensorDots({ r, width }: { r: InnerRatesReport; width: number }) {
  const y = d3.scaleLinear(span(r), [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const x = d3.scalePoint(r.tensors, [MARGIN.left + 10, width - MARGIN.right - 10]).padding(0.5);
  return (
    <>
      <Axes y={y} width={width} xLabel="parameter tensor (α is the same at every inner step)" />
      <StartLine y={y(r.initial)} width={width} />
      {r.tensors.map((name, i) => {
        const cx = x(name) ?? 0;
        const { color } = tensorStyle(i);
        const [lo, hi, mean] = [r.low?.[i] ?? NaN, r.high?.[i] ?? NaN, r.values[i] as number];
        return (
          <g key={name} data-testid={`rate-dot-${name}`}>
            <line x1={cx} x2={cx} y1={y(lo)} y2={y(hi)} stroke={color} strokeWidth={1.5} />
            <circle cx={cx} cy={y(mean)} r={4} fill={color}>
              <title>{`${name}: mean α ${fmt(mean)} (from ${fmt(lo)} to ${fmt(hi)})`}</title>
            </circle>
            <text
              className="axis-label"
              x={cx}
              y={HEIGHT - MARGIN.bottom + 14}
              textAnchor="middle"
              fontSize={11}
            >
              {name}
            </text>
          </g>
        );
      })}
    </>
  );
}

function legendOf(r: InnerRatesReport): LegendEntry[] {
  return [
    ...r.tensors.map((name, i) => ({
      key: name,
      label: `${name[0] === 'W' ? 'weights' : name[0] === 'b' ? 'biases' : 'all'} ${name.slice(1)}`.trim(),
      mark: { kind: 'line' as const, ...tensorStyle(i) },
    })),
    {
      key: 'start',
      label: `α = ${fmt(r.initial)}, where every rate started`,
      mark: { kind: 'line', color: START_COLOR, dash: '2 3' },
    },
  ];
}

/** The caption: what the rates are and how to read them. */
function caption(r: InnerRatesReport): string {
  if (r.algo === 'mamlpp') {
    return `MAML++ learns one inner learning rate per parameter tensor (each layer's weights W and biases b) and per inner step (LSLR), by the same meta-gradient that moves θ. All start at α (the grey line); a rate above it means that tensor takes larger steps at that inner step than plain MAML would. Where the lines part from the grey line and from each other, meta-training has found that layers and steps adapt best at different paces.`;
  }
  return `Meta-SGD learns one inner learning rate for every parameter of θ, used at every inner step. Shown per parameter tensor (each layer's weights W and biases b): the dot is the tensor's mean α and the whisker spans its smallest to largest. All started at α (the grey line); a negative α steps a parameter uphill on the support loss, which the meta-gradient may find useful.`;
}

/** The learned rates of the θ shown, when its algorithm learns them (null otherwise). */
export function InnerRatesChart() {
  const rates = useStore((s) => s.thetaReport?.rates ?? null);
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box, 520);
  if (!rates) return null;
  const title = rates.algo === 'mamlpp' ? 'MAML++’s learned inner rates' : 'Meta-SGD’s learned α';
  return (
    <div className="inner-rates" data-testid="inner-rates">
      <h3>{title}</h3>
      <div ref={box} className="chart-body">
        <svg
          width={width}
          height={HEIGHT}
          role="img"
          aria-label={`${title} per parameter tensor${rates.algo === 'mamlpp' ? ' and inner step' : ''}`}
        >
          {rates.algo === 'mamlpp' ? (
            <StepLines r={rates} width={width} />
          ) : (
            <TensorDots r={rates} width={width} />
          )}
        </svg>
      </div>
      <Legend label={`Legend of ${title}`} entries={legendOf(rates)} />
      <p className="caption" data-testid="inner-rates-caption">
        {caption(rates)}
      </p>
    </div>
  );
}
