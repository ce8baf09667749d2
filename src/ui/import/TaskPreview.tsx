import type { TaskTable } from '../../core/data/csv/taskTable';

const W = 280;
const H = 120;
const SHOWN = 4;

/**
 * A few tasks of an imported table as dots on their standardised axes: the first meta-training
 * tasks in blue, the first held-out ones in orange.
 */
export function TaskPreview({ table }: { table: TaskTable }) {
  const train = table.tasks.filter((t) => !t.heldOut).slice(0, SHOWN / 2);
  const held = table.tasks.filter((t) => t.heldOut).slice(0, SHOWN / 2);
  const [x0, x1] = table.xRange;
  const b = table.yBound;
  const px = (x: number) => 4 + ((x - x0) / (x1 - x0)) * (W - 8);
  const py = (y: number) => H / 2 - (y / b) * (H / 2 - 4);
  return (
    <svg className="import-preview" width={W} height={H} role="img" aria-label="a few imported tasks">
      <rect x={0} y={0} width={W} height={H} fill="none" stroke="currentColor" strokeOpacity={0.2} />
      {[...train, ...held].map((task, i) => (
        <g key={task.id} fill={task.heldOut ? '#e67e22' : '#2980b9'} fillOpacity={0.5 + 0.25 * (i % 2)}>
          <title>{`${task.id}${task.heldOut ? ' (held out)' : ''}`}</title>
          {Array.from(task.x, (x, j) => (
            <circle key={j} cx={px(x)} cy={py(task.y[j] as number)} r={1.8} />
          ))}
        </g>
      ))}
    </svg>
  );
}
