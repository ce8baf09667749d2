/**
 * The walk-through's task view for glyph classification: a small multiple of the meta-batch's
 * first tasks. Each task is one row per class: its support images (what the inner loop trains
 * on), then its query images, each with the class the network predicts at θ while tasks are
 * sampled, after every inner step in the inner loop (s₀ → s₁ → …), at θ′ᵢ when the query images
 * score it. Right and wrong are marked ✓ / ✗ (not only by colour); every task has a text summary.
 */
import { GlyphImage } from './GlyphImage';
import type { WalkReport } from '../../../worker/families/metaStepMessages';
import { batchWords, num } from '../../walk/algorithmLines';
import type { WalkUi } from '../../shell/family';
import './walkGlyphs.css';

type GlyphReport = Extract<WalkReport, { view: 'glyphs' }>;
type GlyphTask = GlyphReport['tasks'][number];

function argMax(p: readonly number[], from: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if ((p[from + c] ?? 0) > (p[from + best] ?? 0)) best = c;
  return best;
}

/** The predicted class of query image q after s inner steps. */
function predicted(t: GlyphTask, ways: number, s: number, q: number): number {
  return argMax(t.probs[s] ?? [], q * ways, ways);
}

/** Query images right after s inner steps. */
export function queryRight(t: GlyphTask, ways: number, s: number): number {
  let ok = 0;
  t.yq.forEach((y, q) => {
    if (predicted(t, ways, s, q) === y) ok++;
  });
  return ok;
}

function Prediction({ t, ways, s, q }: { t: GlyphTask; ways: number; s: number; q: number }) {
  const pred = predicted(t, ways, s, q);
  const ok = pred === t.yq[q];
  const p = t.probs[s]?.[q * ways + pred] ?? 0;
  return (
    <span
      className={`walk-glyph-pred ${ok ? 'ok' : 'wrong'}`}
      data-correct={ok}
      data-inner-step={s}
      title={`after ${s} inner step${s === 1 ? '' : 's'}: class ${pred} (${t.names[pred] ?? ''}), ${(p * 100).toFixed(0)}%`}
    >
      {ok ? '✓' : '✗'}
      {pred}
    </span>
  );
}

function GlyphTaskPanel({ report, index, phase }: { report: GlyphReport; index: number; phase: number }) {
  const t = report.tasks[index];
  if (!t) return null;
  const { ways, shots, query } = report;
  const last = t.probs.length - 1;
  // which predictions the phase shows: at θ, after every inner step, or at θ′ only
  const steps = phase === 0 ? [0] : phase === 1 ? t.probs.map((_, s) => s) : [last];
  const at = phase === 0 ? 0 : last;
  const right = queryRight(t, ways, at);
  const nq = t.yq.length;
  const lossText =
    phase === 0
      ? `support cross-entropy at θ ${num(t.supportLoss[0])}`
      : phase === 1
        ? `support ${num(t.supportLoss[0])} → ${num(t.supportLoss[last])}`
        : `query cross-entropy ${num(t.queryLoss)}`;
  const where = phase === 0 ? 'at θ' : `after ${last} inner step${last === 1 ? '' : 's'}`;
  const summary = `Task ${t.index + 1}: ${t.description}. ${lossText}. ${right} of ${nq} query images right ${where}.`;
  return (
    <figure className="walk-task walk-glyph-task" data-walk-task={t.index} aria-label={summary}>
      <figcaption className="walk-glyph-title">
        task {t.index + 1} · {lossText} · {right}/{nq} right
      </figcaption>
      {Array.from({ length: ways }, (_, c) => (
        <div className="walk-glyph-row" key={c}>
          <span className="walk-glyph-class" title={t.names[c]}>
            {c}
          </span>
          <span className={phase === 1 ? 'walk-glyph-support lit' : 'walk-glyph-support'}>
            {Array.from({ length: shots }, (_, i) => (
              <GlyphImage
                key={i}
                data={t.xs}
                index={c * shots + i}
                size={26}
                label={`task ${t.index + 1}, support: class ${c} (${t.names[c] ?? ''}), example ${i + 1}`}
              />
            ))}
          </span>
          <span className={phase >= 2 ? 'walk-glyph-queries lit' : 'walk-glyph-queries'}>
            {Array.from({ length: query }, (_, i) => {
              const q = c * query + i;
              return (
                <span className="walk-glyph-query" key={i}>
                  <GlyphImage
                    data={t.xq}
                    index={q}
                    size={26}
                    label={`task ${t.index + 1}, query: class ${c}, example ${i + 1}`}
                  />
                  <span className="walk-glyph-preds">
                    {steps.map((s) => (
                      <Prediction key={s} t={t} ways={ways} s={s} q={q} />
                    ))}
                  </span>
                </span>
              );
            })}
          </span>
        </div>
      ))}
    </figure>
  );
}

function GlyphWalkTasks({ report, phase }: { report: WalkReport; phase: number }) {
  if (report.view !== 'glyphs') return null;
  return (
    <div className="walk-tasks" aria-label={`The first ${report.tasks.length} of the ${report.batch} tasks`}>
      {report.tasks.map((_, i) => (
        <GlyphTaskPanel key={i} report={report} index={i} phase={phase} />
      ))}
      <p className="walk-legend">
        One row per class (0…{report.ways - 1}): its <span className="key-support">support</span> image
        {report.shots === 1 ? '' : 's'} (the inner loop trains on these), then its{' '}
        <span className="key-query">query</span> images (they score θ′ᵢ), each with the class the network
        predicts: ✓ right, ✗ wrong. In the inner loop the predictions read left to right from θ to the last
        inner step.
      </p>
    </div>
  );
}

/** The first line: N new characters per task, K support and Q query images per class. */
function sampleLine(w: WalkReport | null): string {
  const g = w?.view === 'glyphs' ? w : null;
  const n = g ? ` (N = ${g.ways})` : '';
  const kq = g ? `K = ${g.shots} support and Q = ${g.query} query` : 'K support and Q query';
  return `Sample ${batchWords(w)} tasks Tᵢ from the meta-training alphabets, each N new characters${n} with ${kq} images per class.`;
}

/** The query-loss phase's count of query images the shown tasks got right. */
function queryRows(report: WalkReport): [string, string][] {
  if (report.view !== 'glyphs') return [];
  const right = report.tasks.reduce((n, t) => n + queryRight(t, report.ways, report.inner), 0);
  const all = report.tasks.reduce((n, t) => n + t.yq.length, 0);
  return [['query images right (shown tasks)', `${right} of ${all}`]];
}

export const glyphWalk: WalkUi = {
  loss: 'cross-entropy',
  points: 'images',
  scoredBy: ' by its cross-entropy',
  sampleLine,
  queryRows,
  Tasks: GlyphWalkTasks,
};
