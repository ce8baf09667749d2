/**
 * The sensitivity map's form: the two axes (setting, range, scale, count; the algorithm axis as
 * checkboxes), the meta-steps per cell, every value the parser changed in one line each, and the
 * reason when the map is refused (more than 8×8 cells, no valid axis).
 */
import { AXIS_LABELS, type AxisName } from '../../core/sweep/axes';
import type { SweepParse } from '../../core/sweep/spec';
import { algorithms, axesFor, axisDraft, type AxisDraft, type MapDraft } from './mapDraft';
import { setDraft } from './sweepRun';

type FieldsProps = { axis: AxisDraft; onChange: (a: AxisDraft) => void };

/** The categorical axis: one checkbox per algorithm the schema knows. */
function AlgoFields({ axis, onChange }: FieldsProps) {
  return (
    <>
      {algorithms().map((a) => (
        <label key={a} className="sweep-algo">
          <input
            type="checkbox"
            checked={axis.algos.includes(a)}
            onChange={(e) =>
              onChange({
                ...axis,
                algos: e.target.checked ? [...axis.algos, a] : axis.algos.filter((v) => v !== a),
              })
            }
          />{' '}
          {a}
        </label>
      ))}
    </>
  );
}

/** A number axis: its range, scale and count. */
function RangeFields({ id, axis, onChange }: FieldsProps & { id: string }) {
  return (
    <>
      <label>
        from{' '}
        <input
          data-testid={`${id}-lo`}
          size={7}
          value={axis.lo}
          onChange={(e) => onChange({ ...axis, lo: e.target.value })}
        />
      </label>
      <label>
        to{' '}
        <input
          data-testid={`${id}-hi`}
          size={7}
          value={axis.hi}
          onChange={(e) => onChange({ ...axis, hi: e.target.value })}
        />
      </label>
      <label>
        <select
          aria-label="scale"
          value={axis.scale}
          onChange={(e) => onChange({ ...axis, scale: e.target.value as 'log' | 'lin' })}
        >
          <option value="log">log</option>
          <option value="lin">linear</option>
        </select>
      </label>
      <label>
        values{' '}
        <input
          data-testid={`${id}-count`}
          type="number"
          min={1}
          max={8}
          size={3}
          value={axis.count}
          onChange={(e) => onChange({ ...axis, count: e.target.value })}
        />
      </label>
    </>
  );
}

function AxisFields({
  which,
  axis,
  task,
  other,
  onChange,
}: {
  which: 'x' | 'y';
  axis: AxisDraft;
  task: string;
  other: AxisName | null;
  onChange: (a: AxisDraft) => void;
}) {
  const id = `sweep-${which}`;
  const names = axesFor(task).filter((n) => n !== other);
  return (
    <fieldset className="sweep-axis" data-testid={`${id}-axis`}>
      <legend>{which === 'x' ? 'Across (x)' : 'Down (y)'}</legend>
      <label>
        setting{' '}
        <select
          data-testid={`${id}-name`}
          value={axis.name}
          onChange={(e) => onChange(axisDraft(e.target.value as AxisName, Number(axis.count) || 4))}
        >
          {names.map((n) => (
            <option key={n} value={n}>
              {AXIS_LABELS[n]}
            </option>
          ))}
        </select>
      </label>
      {axis.name === 'algo' ? (
        <AlgoFields axis={axis} onChange={onChange} />
      ) : (
        <RangeFields id={id} axis={axis} onChange={onChange} />
      )}
    </fieldset>
  );
}

export function MapForm({ draft, task, parse }: { draft: MapDraft; task: string; parse: SweepParse }) {
  const yNames = axesFor(task).filter((n) => n !== draft.x.name);
  return (
    <div className="sweep-form">
      <AxisFields
        which="x"
        axis={draft.x}
        task={task}
        other={draft.y?.name ?? null}
        onChange={(x) => setDraft({ ...draft, x })}
      />
      {draft.y ? (
        <AxisFields
          which="y"
          axis={draft.y}
          task={task}
          other={draft.x.name}
          onChange={(y) => setDraft({ ...draft, y })}
        />
      ) : null}
      <div className="sweep-row">
        <label>
          <input
            type="checkbox"
            checked={draft.y !== null}
            disabled={yNames.length === 0}
            onChange={(e) => {
              const name = yNames[0];
              setDraft({ ...draft, y: e.target.checked && name ? axisDraft(name) : null });
            }}
          />{' '}
          two axes
        </label>
        <label>
          meta-steps per cell{' '}
          <input
            data-testid="sweep-steps"
            type="number"
            min={1}
            size={6}
            value={draft.steps}
            onChange={(e) => setDraft({ ...draft, steps: e.target.value })}
          />
        </label>
      </div>
      {parse.warnings.length > 0 ? (
        <ul className="sweep-warnings" data-testid="sweep-warnings">
          {parse.warnings.map((w, i) => (
            <li key={i}>{w.message}</li>
          ))}
        </ul>
      ) : null}
      {parse.refused ? (
        <p className="sweep-refused" role="alert" data-testid="sweep-refused">
          {parse.refused}
        </p>
      ) : null}
    </div>
  );
}
