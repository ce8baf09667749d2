import { useState } from 'react';
import { GLYPH_METHODS, type GlyphMethod } from '../../../worker/families/glyphMessages';
import { METHOD_COLORS, METHOD_TEXT_COLORS } from '../../kit/palette';
import { GLYPH_METHOD_LABELS } from './evalView';
import { GlyphImage } from './GlyphImage';
import { useLabStore as useStore, type LabStore } from './labStore';
import { MAX_VIEW_STEPS } from './labSlice';
import { ChartDownload } from '../../charts/download/ChartDownload';
import { GLYPH_TASK_EXPORT } from './taskExport';
import { hoverProps } from '../../kit/hover';

/** Small bars of class probabilities; the true class (when known) outlined. */
export function ProbBars({
  probs,
  color,
  truth,
  labels,
}: {
  probs: ArrayLike<number>;
  color: string;
  truth?: number;
  labels?: string[];
}) {
  const n = probs.length;
  return (
    <span className="prob-bars" aria-hidden="true">
      {Array.from({ length: n }, (_, c) => (
        <span
          key={c}
          className={`prob-bar${c === truth ? ' truth' : ''}`}
          title={`${labels?.[c] ?? `class ${c}`}: ${((probs[c] ?? 0) * 100).toFixed(1)}%`}
        >
          <span style={{ height: `${Math.max(2, (probs[c] ?? 0) * 100)}%`, background: color }} />
        </span>
      ))}
    </span>
  );
}

function argMax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if ((a[i] ?? 0) > (a[best] ?? 0)) best = i;
  return best;
}

type GlyphTask = NonNullable<LabStore['glyphTask']>;
type Hover = { q: number; m: GlyphMethod } | null;

/** New task, the inner steps computed and the download, in the panel's header. */
function TaskTools({
  newTask,
  viewSteps,
  setViewSteps,
}: {
  newTask: () => void;
  viewSteps: number;
  setViewSteps: (steps: number) => void;
}) {
  return (
    <div className="chart-tools">
      <button
        type="button"
        onClick={newTask}
        title="New task: sample another N-way K-shot task from the held-out alphabets (never seen in meta-training)."
      >
        New task
      </button>
      <label
        className="inline-field"
        title="Inner steps computed: how many SGD steps on the support set each initialisation takes at test time."
      >
        steps computed
        <select value={viewSteps} onChange={(e) => setViewSteps(Number(e.target.value))}>
          {[1, 2, 3, 5, 10]
            .filter((v) => v <= MAX_VIEW_STEPS)
            .map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
        </select>
      </label>
      <ChartDownload chart={GLYPH_TASK_EXPORT} />
    </div>
  );
}

/** The support set: one row of K images per class, with the class's name. */
function SupportSet({ task }: { task: GlyphTask }) {
  return (
    <div className="support">
      <h3 title="Support set: the K labelled examples per class the network adapts on (inner loop).">
        Support set ({task.ways} classes × {task.shots})
      </h3>
      <div className="support-grid" data-testid="support-grid">
        {Array.from({ length: task.ways }, (_, c) => (
          <div className="support-row" key={c}>
            <span className="class-tag">{c}</span>
            {Array.from({ length: task.shots }, (_, i) => (
              <GlyphImage
                key={i}
                data={task.xs}
                index={c * task.shots + i}
                size={44}
                label={`support: class ${c} (${task.names[c] ?? ''}), example ${i + 1}`}
              />
            ))}
            <span className="class-name">{task.names[c]}</span>
          </div>
        ))}
      </div>
    </div>
  );
}

/** The query set's title and the inner step shown. */
function QueryHead({
  step,
  steps,
  setViewStep,
}: {
  step: number;
  steps: number;
  setViewStep: (step: number) => void;
}) {
  return (
    <div className="query-head">
      <h3 title="Query set: new drawings of the same classes, classified by the adapted network.">
        Query predictions
      </h3>
      <label
        className="step-slider"
        title="Inner step shown: the predictions after this many SGD steps on the support set (0 = the initialisation itself)."
      >
        after <strong data-testid="view-step">{step}</strong> inner step{step === 1 ? '' : 's'}
        <input
          type="range"
          min={0}
          max={steps}
          value={step}
          onChange={(e) => setViewStep(Number(e.target.value))}
          aria-label="Inner step shown"
        />
      </label>
    </div>
  );
}

/** One query image and each initialisation's prediction for it. */
function QueryRow({
  task,
  q,
  probsAt,
  setHover,
}: {
  task: GlyphTask;
  q: number;
  probsAt: (m: GlyphMethod, q: number) => Float32Array;
  setHover: (hover: Hover) => void;
}) {
  const truth = task.yq[q] ?? 0;
  return (
    <tr>
      <td>
        <GlyphImage data={task.xq} index={q} size={36} label={`query ${q + 1}: class ${truth}`} />
        <span className="class-tag">{truth}</span>
      </td>
      {GLYPH_METHODS.map((m) => {
        const p = probsAt(m, q);
        const pred = argMax(p);
        const ok = pred === truth;
        return (
          <td
            key={m}
            className={`pred ${ok ? 'ok' : 'wrong'}`}
            data-method={m}
            {...hoverProps(setHover, { q, m })}
          >
            <span className="pred-label">
              {ok ? '✓' : '✗'} {pred} <small>{((p[pred] ?? 0) * 100).toFixed(0)}%</small>
            </span>
            <ProbBars probs={p} color={METHOD_COLORS[m]} truth={truth} />
          </td>
        );
      })}
    </tr>
  );
}

/**
 * One held-out task: its support set (N rows × K images) and its query images with each
 * initialisation's prediction after the chosen number of inner steps.
 */
export function TaskPanel() {
  const task = useStore((s) => s.glyphTask);
  const viewStep = useStore((s) => s.viewStep);
  const viewSteps = useStore((s) => s.viewSteps);
  // before the first task arrives, the title names the configured N
  const ways = useStore((s) => s.config.ways);
  const { newGlyphTask: newTask, setViewStep, setViewSteps } = useStore.getState();
  const [hover, setHover] = useState<Hover>(null);

  const n = task?.ways ?? 0;
  const nq = task ? task.ways * task.query : 0;
  const step = Math.min(viewStep, task?.steps ?? 0);
  const probsAt = (m: GlyphMethod, q: number) =>
    task ? task.probs[m].subarray((step * nq + q) * n, (step * nq + q + 1) * n) : new Float32Array();
  const accuracy = (m: GlyphMethod) => {
    if (!task) return 0;
    let ok = 0;
    for (let q = 0; q < nq; q++) if (argMax(probsAt(m, q)) === task.yq[q]) ok++;
    return ok / nq;
  };
  const hovered = hover && task ? probsAt(hover.m, hover.q) : null;

  return (
    <section className="panel task-panel glyph-task" aria-label="Task view">
      <div className="chart-head">
        <h2>Task view: a held-out {task?.ways ?? ways}-way task</h2>
        <TaskTools newTask={newTask} viewSteps={viewSteps} setViewSteps={setViewSteps} />
      </div>
      {!task ? (
        <p className="chart-sub">Sampling a task…</p>
      ) : (
        <div className="glyph-task-body">
          <SupportSet task={task} />
          <div className="query">
            <QueryHead step={step} steps={task.steps} setViewStep={setViewStep} />
            <table className="query-table">
              <thead>
                <tr>
                  <th>query</th>
                  {GLYPH_METHODS.map((m) => (
                    <th key={m} style={{ color: METHOD_TEXT_COLORS[m] }}>
                      {GLYPH_METHOD_LABELS[m].split(' (')[0]} · {(accuracy(m) * 100).toFixed(0)}%
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {Array.from({ length: nq }, (_, q) => (
                  <QueryRow key={q} task={task} q={q} probsAt={probsAt} setHover={setHover} />
                ))}
              </tbody>
            </table>
            <p className="chart-sub" data-testid="hover-probs">
              {hover && hovered
                ? `${GLYPH_METHOD_LABELS[hover.m]}, query ${hover.q + 1} (true class ${task.yq[hover.q]}): ` +
                  Array.from(hovered, (v, c) => `${c}: ${(v * 100).toFixed(1)}%`).join(' · ')
                : 'Hover a prediction for its class probabilities. Bars: probability of each class 0…N−1 (outlined: the true class).'}
            </p>
          </div>
        </div>
      )}
    </section>
  );
}
