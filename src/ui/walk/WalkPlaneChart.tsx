/**
 * The walk-through's θ view: one meta-step in the plane through θ that holds the step's own
 * directions (core/meta/walkPlane.ts). θ sits at the origin; the inner loop draws each shown task's
 * path θ → θ′ᵢ; the gradient phase draws the descent arrows (MAML: −g, the first-order −g₁ and the
 * second-order correction, with their angle); the update draws where Adam moved θ. Arrows are in
 * gradient units, scaled together so the longest is readable; a move too small to see is
 * magnified, and the label says by how much.
 */
import type { WalkReport } from '../../worker/families/metaStepMessages';
import { num } from './algorithmLines';
import type { WalkUpdate } from '../shell/walkSlice';

const W = 380;
const H = 240;
const PAD = 22;
const TASK_INK = ['#0f766e', '#7c3aed', '#b45309', '#be123c', '#1d4ed8', '#4d7c0f'];
const ARROWS = {
  gradient: { label: '−g (what Adam receives)', cls: 'walk-arrow-g' },
  firstOrder: { label: '−g₁ first order', cls: 'walk-arrow-g1' },
  correction: { label: '−(g − g₁) second-order correction', cls: 'walk-arrow-corr' },
} as const;

function Arrow({
  x1,
  y1,
  x2,
  y2,
  cls,
  id,
}: {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  cls: string;
  id: string;
}) {
  return <line x1={x1} y1={y1} x2={x2} y2={y2} className={cls} markerEnd={`url(#${id})`} />;
}

type Point = [number, number];

/**
 * Where the chart draws the step: the arrows' scale to θ's units, the update's magnification and
 * the screen maps, one scale for both axes so angles stay true.
 */
function planeView(report: WalkReport, update: WalkUpdate | null) {
  const { paths, arrows } = report.plane;
  const pts = paths.flat();
  // θ-unit extent of what the step moves (paths and the update), the arrows scaled to it
  const extent = Math.max(1e-12, ...pts.map(([a, b]) => Math.max(Math.abs(a), Math.abs(b))));
  const arrowLen = Math.max(1e-30, ...arrows.map((a) => Math.hypot(a.tip[0], a.tip[1])));
  const arrowScale = (0.85 * extent) / arrowLen;
  const move = update?.move ?? null;
  const moveLen = move ? Math.hypot(move[0], move[1]) : 0;
  const magnify = move && moveLen > 0 && moveLen < 0.25 * extent ? (0.4 * extent) / moveLen : 1;
  // the view fits everything drawn, one scale for both axes (angles stay true)
  const drawn: [number, number][] = [
    [0, 0],
    ...pts,
    ...arrows.map((a) => [a.tip[0] * arrowScale, a.tip[1] * arrowScale] as [number, number]),
  ];
  if (move) drawn.push([move[0] * magnify, move[1] * magnify]);
  const xs = drawn.map((p) => p[0]);
  const ys = drawn.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const k = Math.min((W - 2 * PAD) / Math.max(x1 - x0, 1e-12), (H - 2 * PAD) / Math.max(y1 - y0, 1e-12));
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const sx = (a: number) => W / 2 + (a - cx) * k;
  const sy = (b: number) => H / 2 - (b - cy) * k;
  return { arrowScale, move, magnify, sx, sy };
}

/** One task's inner-loop path θ → θ′ᵢ, with its query loss at the end during the loss phase. */
function TaskPath({
  path,
  i,
  phase,
  report,
  sx,
  sy,
}: {
  path: Point[];
  i: number;
  phase: number;
  report: WalkReport;
  sx: (a: number) => number;
  sy: (b: number) => number;
}) {
  return (
    <g className="walk-path" data-walk-path={i} opacity={phase >= 3 ? 0.35 : 1}>
      <polyline
        points={path.map(([a, b]) => `${sx(a).toFixed(1)},${sy(b).toFixed(1)}`).join(' ')}
        stroke={TASK_INK[i % TASK_INK.length]}
        fill="none"
      />
      {path.slice(1).map(([a, b], s) => (
        <circle
          key={s}
          cx={sx(a)}
          cy={sy(b)}
          r={s === path.length - 2 ? 4 : 2.5}
          fill={TASK_INK[i % TASK_INK.length]}
        />
      ))}
      {phase === 2 && path.length > 0 ? (
        <text
          x={sx((path[path.length - 1] as [number, number])[0]) + 5}
          y={sy((path[path.length - 1] as [number, number])[1]) - 4}
          className="walk-label"
        >
          {num(report.tasks[i]?.queryLoss)}
        </text>
      ) : null}
    </g>
  );
}

/** The arrows' key, Adam's step and what the plane's axes are. */
function WalkCaption({
  report,
  phase,
  update,
  magnify,
}: {
  report: WalkReport;
  phase: number;
  update: WalkUpdate | null;
  magnify: number;
}) {
  const { arrows, axes } = report.plane;
  const showArrows = phase >= 3;
  return (
    <figcaption>
      {showArrows ? (
        <ul className="walk-arrow-keys">
          {arrows.map((a) => (
            <li key={a.name} className={ARROWS[a.name].cls}>
              {ARROWS[a.name].label}: |·| = {num(a.norm)}
            </li>
          ))}
        </ul>
      ) : null}
      {phase === 4 && update ? (
        <p>
          Adam's step: |Δθ| = {num(update.moveNorm)}
          {magnify > 1 ? `, drawn ×${num(magnify)} to be visible` : ''}.
        </p>
      ) : null}
      <p className="walk-note">
        The plane through θ: horizontal, the {axes[0]}; vertical, the {axes[1]}. Paths and the update are in
        θ's units; arrows show directions and relative lengths (gradient units).
      </p>
    </figcaption>
  );
}

export function WalkPlaneChart({
  report,
  phase,
  update,
}: {
  report: WalkReport;
  phase: number;
  update: WalkUpdate | null;
}) {
  const { paths, arrows } = report.plane;
  const { arrowScale, move, magnify, sx, sy } = planeView(report, update);
  const marker = `walk-head-${report.id}`;
  const showPaths = phase >= 1;
  const showArrows = phase >= 3;
  const summary =
    phase >= 3
      ? `Arrows from θ: ${arrows.map((a) => `${ARROWS[a.name].label}, length ${num(a.norm)}`).join('; ')}.`
      : phase >= 1
        ? `Paths of ${paths.length} tasks from θ to their adapted θ′.`
        : 'θ at the centre.';
  return (
    <figure className="walk-plane">
      <svg width={W} height={H} role="img" aria-label={`The meta-step in the plane through θ. ${summary}`}>
        <defs>
          <marker
            id={marker}
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M0,0L10,5L0,10z" fill="context-stroke" />
          </marker>
        </defs>
        <line x1={0} x2={W} y1={sy(0)} y2={sy(0)} className="walk-axis" />
        <line x1={sx(0)} x2={sx(0)} y1={0} y2={H} className="walk-axis" />
        {showPaths
          ? paths.map((path, i) => (
              <TaskPath key={i} path={path} i={i} phase={phase} report={report} sx={sx} sy={sy} />
            ))
          : null}
        {showArrows
          ? arrows.map((a) => (
              <Arrow
                key={a.name}
                id={marker}
                x1={sx(0)}
                y1={sy(0)}
                x2={sx(a.tip[0] * arrowScale)}
                y2={sy(a.tip[1] * arrowScale)}
                cls={`walk-arrow ${ARROWS[a.name].cls}`}
              />
            ))
          : null}
        {phase === 4 && move ? (
          <>
            <Arrow
              id={marker}
              x1={sx(0)}
              y1={sy(0)}
              x2={sx(move[0] * magnify)}
              y2={sy(move[1] * magnify)}
              cls="walk-arrow walk-arrow-move"
            />
            <circle
              cx={sx(move[0] * magnify)}
              cy={sy(move[1] * magnify)}
              r={5}
              className="walk-theta-after"
            />
          </>
        ) : null}
        <circle cx={sx(0)} cy={sy(0)} r={5} className="walk-theta" />
        <text x={sx(0) + 7} y={sy(0) + 14} className="walk-label">
          θ (step {report.step})
        </text>
      </svg>
      <WalkCaption report={report} phase={phase} update={update} magnify={magnify} />
    </figure>
  );
}
