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

/** the algorithms the family trains (its schema refuses the others) */
const NAV_ALGOS = ['maml', 'fomaml'] as const;
type NavAlgo = (typeof NAV_ALGOS)[number];
const ALGO_LABELS: Record<NavAlgo, string> = {
  maml: 'MAML (second order through the inner step)',
  fomaml: 'first-order MAML',
};
const RATE_LABELS: Record<InnerRates, string> = {
  alpha: 'α for every step',
  halved: 'α, then α/2 (as evaluated)',
};
const OBJECTIVE_LABELS: Record<MetaObjective, string> = {
  last: 'last step’s return (paper)',
  mean: 'mean over the steps',
};

const OPTIMISER_LABELS: Record<MetaOptimiser, string> = {
  adam: 'Adam (rate β)',
  trpo: 'TRPO (the paper’s, KL 0.01)',
};

/** A select over one of the family's enum settings; `off` disables it and says why. */
function EnumChoice<T extends string>(props: {
  label: string;
  value: T;
  values: readonly T[];
  labels: Record<T, string>;
  off?: string;
  onChange: (v: T) => void;
}) {
  return (
    <div className="field">
      <label>
        {props.label}{' '}
        <select
          aria-label={props.label}
          value={props.value}
          disabled={props.off !== undefined}
          title={props.off}
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
  const oneStep = config.inner < 2 ? 'takes effect with 2 or more inner steps' : undefined;
  return (
    <section className="panel controls" aria-labelledby="nav-controls-title">
      <h2 id="nav-controls-title">Meta-training settings</h2>
      <EnumChoice
        label="algorithm"
        value={config.algo as NavAlgo}
        values={NAV_ALGOS}
        labels={ALGO_LABELS}
        onChange={(algo) => setConfig({ algo })}
      />
      {num('alpha', 'inner learning rate α', true)}
      {num('beta', 'meta learning rate β (Adam)', true)}
      {num('inner', 'inner steps (meta-training)')}
      <EnumChoice
        label="training inner rates"
        value={config.rates ?? 'alpha'}
        values={INNER_RATES}
        labels={RATE_LABELS}
        off={oneStep}
        onChange={(rates) => setConfig({ rates })}
      />
      <EnumChoice
        label="meta-objective"
        value={config.metaobj ?? 'last'}
        values={META_OBJECTIVES}
        labels={OBJECTIVE_LABELS}
        off={oneStep}
        onChange={(metaobj) => setConfig({ metaobj })}
      />
      {num('batch', 'meta-batch (goals per meta-iteration)')}
      {num('trajs', 'trajectories per task')}
      <EnumChoice
        label="meta-optimiser"
        value={config.metaopt ?? 'adam'}
        values={META_OPTIMISERS}
        labels={OPTIMISER_LABELS}
        onChange={(metaopt) => setConfig({ metaopt })}
      />
      <BackendPicker />
    </section>
  );
}
