/**
 * The navigation page's settings: the algorithm (MAML or its first-order form), α, β, inner
 * steps (with their rates and the meta-objective over them), meta-batch, trajectories per task
 * and the meta-optimiser, each within the family's schema bounds (the store's setConfig validates
 * and clamps like a link), and the backend.
 */
import { familySchema, FIELDS, type Experiment } from '../../../core/experiment';
import {
  INNER_RATES,
  META_OBJECTIVES,
  META_OPTIMISERS,
  type InnerRates,
  type MetaObjective,
  type MetaOptimiser,
} from '../../../core/families/nav2d/schema';
import { BackendPicker } from '../../controls/BackendPicker';
import { RangeField } from '../../controls/RangeField';
import { useStore } from '../../shell/store';

type Key = 'alpha' | 'beta' | 'inner' | 'batch' | 'trajs';

/** A number field's bounds for this family: its own field, its tighter bounds, or the shared field. */
export function navBounds(task: string, key: Key): { min: number; max: number; help: string } {
  const schema = familySchema(task);
  const own = schema.fields[key]?.field;
  const f = own ?? FIELDS[key];
  if (f.kind !== 'number') throw new Error(`${key} is not a number field`);
  const [min, max] = schema.bounds?.[key as keyof Experiment] ?? [f.min, f.max];
  return { min, max, help: f.help };
}

const fmtRate = (v: number) => (v >= 1e-4 ? String(Number(v.toPrecision(3))) : v.toExponential(1));

const RATE_LABELS: Record<InnerRates, string> = {
  alpha: 'α for every step',
  halved: 'α, then α/2 (as evaluated)',
};
const OBJECTIVE_LABELS: Record<MetaObjective, string> = {
  last: 'last step’s return (paper)',
  mean: 'mean over the steps',
};

/** A select over one of the family's enum settings; it says why it is off with one inner step. */
function StepsChoice<T extends string>(props: {
  label: string;
  value: T;
  values: readonly T[];
  labels: Record<T, string>;
  oneStep: boolean;
  onChange: (v: T) => void;
}) {
  return (
    <div className="field">
      <label>
        {props.label}{' '}
        <select
          aria-label={props.label}
          value={props.value}
          disabled={props.oneStep}
          title={props.oneStep ? 'takes effect with 2 or more inner steps' : undefined}
          onChange={(e) => props.onChange(e.currentTarget.value as T)}
        >
          {props.values.map((v) => (
            <option key={v} value={v}>
              {props.labels[v]}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

export function NavControls() {
  const config = useStore((s) => s.config);
  const setConfig = useStore((s) => s.setConfig);
  const num = (key: Key, label: string, log = false) => {
    const b = navBounds(config.task, key);
    return (
      <RangeField
        label={label}
        help={b.help}
        value={(config[key] as number | undefined) ?? b.min}
        min={b.min}
        max={b.max}
        log={log}
        step={1}
        format={log ? fmtRate : String}
        onChange={(v) => setConfig({ [key]: v } as Partial<Experiment>)}
      />
    );
  };
  return (
    <section className="panel controls" aria-labelledby="nav-controls-title">
      <h2 id="nav-controls-title">Meta-training settings</h2>
      <div className="field">
        <label>
          algorithm{' '}
          <select
            aria-label="algorithm"
            value={config.algo}
            onChange={(e) => setConfig({ algo: e.currentTarget.value as Experiment['algo'] })}
          >
            <option value="maml">MAML (second order through the inner step)</option>
            <option value="fomaml">first-order MAML</option>
          </select>
        </label>
      </div>
      {num('alpha', 'inner learning rate α', true)}
      {num('beta', 'meta learning rate β (Adam)', true)}
      {num('inner', 'inner steps (meta-training)')}
      <StepsChoice
        label="training inner rates"
        value={config.rates ?? 'alpha'}
        values={INNER_RATES}
        labels={RATE_LABELS}
        oneStep={config.inner < 2}
        onChange={(rates) => setConfig({ rates })}
      />
      <StepsChoice
        label="meta-objective"
        value={config.metaobj ?? 'last'}
        values={META_OBJECTIVES}
        labels={OBJECTIVE_LABELS}
        oneStep={config.inner < 2}
        onChange={(metaobj) => setConfig({ metaobj })}
      />
      {num('batch', 'meta-batch (goals per meta-iteration)')}
      {num('trajs', 'trajectories per task')}
      <div className="field">
        <label>
          meta-optimiser{' '}
          <select
            aria-label="meta-optimiser"
            value={config.metaopt ?? 'adam'}
            onChange={(e) => setConfig({ metaopt: e.currentTarget.value as MetaOptimiser })}
          >
            {META_OPTIMISERS.map((m) => (
              <option key={m} value={m}>
                {m === 'adam' ? 'Adam (rate β)' : 'TRPO (the paper’s, KL 0.01)'}
              </option>
            ))}
          </select>
        </label>
      </div>
      <BackendPicker />
    </section>
  );
}
