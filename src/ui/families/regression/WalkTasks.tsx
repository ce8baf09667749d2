/**
 * The walk-through for the regression families: the words of its lines, and its task view, a
 * small multiple of the meta-batch's first tasks. Each panel draws the task's true function, its
 * support points (filled circles) and query points (open diamonds), and the network's prediction:
 * at θ while tasks are sampled, after each inner step in the inner loop (dark to warm), at θ′ᵢ
 * when the query points score it. Shapes, not only colours, tell the points apart; every panel
 * has a text summary for screen readers.
 */
import { fanColor } from '../../kit/palette';
import type { WalkReport } from '../../../worker/families/metaStepMessages';
import { batchWords, num } from '../../walk/algorithmLines';
import type { WalkUi } from '../../shell/family';

type CurveReport = Extract<WalkReport, { view: 'curves' }>;

const W = 200;
const H = 130;
const PAD = { left: 6, right: 6, top: 18, bottom: 6 };

type Scale = (v: number) => number;

function linear(d0: number, d1: number, r0: number, r1: number): Scale {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

function pathOf(xs: readonly number[], ys: readonly number[], sx: Scale, sy: Scale, clip: number): string {
  let d = '';
  for (let i = 0; i < xs.length; i++) {
    const y = ys[i] as number;
    if (!Number.isFinite(y)) continue;
    const c = Math.max(-clip, Math.min(clip, y));
    d += `${d ? 'L' : 'M'}${sx(xs[i] as number).toFixed(1)},${sy(c).toFixed(1)}`;
  }
  return d;
}

function TaskPanel({ report, index, phase }: { report: CurveReport; index: number; phase: number }) {
  const t = report.tasks[index];
  if (!t) return null;
  const grid = report.grid;
  const bound =
    1.15 * Math.max(1e-6, ...t.truth.map(Math.abs), ...t.support.y.map(Math.abs), ...t.query.y.map(Math.abs));
  const sx = linear(grid[0] ?? -5, grid[grid.length - 1] ?? 5, PAD.left, W - PAD.right);
  const sy = linear(-bound, bound, H - PAD.bottom, PAD.top);
  const last = t.predictions.length - 1;
  // which predictions the phase shows: θ only, every inner step, or θ′ only
  const shown = phase === 0 ? [0] : phase === 1 ? t.predictions.map((_, s) => s) : [last];
  const supportLit = phase === 1;
  const queryLit = phase >= 2;
  const lossText =
    phase === 0
      ? `support loss at θ ${num(t.supportLoss[0])}`
      : phase === 1
        ? `support ${num(t.supportLoss[0])} → ${num(t.supportLoss[last])}`
        : `query loss ${num(t.queryLoss)}`;
  const summary = `Task ${t.index + 1}: ${t.description}. ${lossText}.`;
  return (
    <figure className="walk-task" data-walk-task={t.index}>
      <svg width={W} height={H} role="img" aria-label={summary}>
        <text x={PAD.left} y={12} className="walk-task-title">
          task {t.index + 1} · {lossText}
        </text>
        <line x1={PAD.left} x2={W - PAD.right} y1={sy(0)} y2={sy(0)} className="walk-zero" />
        <path d={pathOf(grid, t.truth, sx, sy, bound)} className="walk-truth" />
        {shown.map((s) => (
          <path
            key={s}
            d={pathOf(grid, t.predictions[s] ?? [], sx, sy, bound)}
            className="walk-prediction"
            data-inner-step={s}
            stroke={fanColor(s, last)}
            strokeDasharray={phase === 0 ? '4 3' : undefined}
          />
        ))}
        {t.support.x.map((x, i) => (
          <circle
            key={`s${i}`}
            cx={sx(x)}
            cy={sy(t.support.y[i] as number)}
            r={supportLit ? 3.6 : 2.4}
            className={supportLit ? 'walk-support lit' : 'walk-support'}
          />
        ))}
        {phase >= 1
          ? t.query.x.map((x, i) => {
              const cx = sx(x);
              const cy = sy(t.query.y[i] as number);
              const r = queryLit ? 4 : 2.6;
              return (
                <path
                  key={`q${i}`}
                  d={`M${cx},${cy - r}L${cx + r},${cy}L${cx},${cy + r}L${cx - r},${cy}Z`}
                  className={queryLit ? 'walk-query lit' : 'walk-query'}
                />
              );
            })
          : null}
      </svg>
    </figure>
  );
}

function CurveWalkTasks({ report, phase }: { report: WalkReport; phase: number }) {
  if (report.view !== 'curves') return null;
  return (
    <div className="walk-tasks" aria-label={`The first ${report.tasks.length} of the ${report.batch} tasks`}>
      {report.tasks.map((_, i) => (
        <TaskPanel key={i} report={report} index={i} phase={phase} />
      ))}
      <p className="walk-legend">
        <span className="key-support">●</span> support points (the inner loop trains on these){' '}
        <span className="key-query">◆</span> query points (they score θ′ᵢ){' '}
        <span className="key-truth">—</span> true function; predictions go from dark (θ) to warm (after the
        last inner step).
      </p>
    </div>
  );
}

export const curveWalk: WalkUi = {
  loss: 'loss',
  points: 'points',
  scoredBy: '',
  sampleLine: (w) =>
    `Sample ${batchWords(w)} tasks Tᵢ from the task distribution, each with K support and Q query points.`,
  queryRows: () => [],
  Tasks: CurveWalkTasks,
};
