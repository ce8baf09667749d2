import { useId } from 'react';
import {
  ALGOS,
  familySchema,
  FIELDS,
  parseExperiment,
  type Algo,
  type Experiment,
} from '../../core/experiment';
import { useStore } from '../shell/store';
import { BackendPicker } from './BackendPicker';
import { CommitInput } from './CommitInput';
import { RangeField } from './RangeField';

type NumericKey = 'alpha' | 'beta' | 'inner' | 'k' | 'query' | 'batch' | 'seed';

function bounds(key: NumericKey) {
  const f = FIELDS[key];
  if (f.kind !== 'number') throw new Error(`${key} is not a number field`);
  return f;
}

/** The algorithm picker's labels (the core's ALGO_LABELS, phrased for a menu). */
const ALGO_MENU: Record<Algo, string> = {
  maml: 'MAML',
  fomaml: 'first-order MAML',
  metasgd: 'Meta-SGD',
  reptile: 'Reptile',
  mamlpp: 'MAML++',
};

const ALGO_HELP: Record<Algo, string> = {
  maml: 'MAML: differentiates through the inner SGD steps (second-order meta-gradient).',
  fomaml:
    'First-order MAML: treats the inner gradient as constant, so the meta-gradient is the query gradient at the adapted weights.',
  metasgd: 'Meta-SGD: also meta-learns a per-parameter inner learning rate vector α.',
  reptile: 'Reptile: moves θ towards the average of the task-adapted weights; no meta-gradient at all.',
  mamlpp:
    'MAML++: learned per-layer, per-step inner rates, a query loss after every inner step, first order before second, and a cosine-annealed β.',
};

function fmtRate(v: number): string {
  return v >= 1e-4 ? String(Number(v.toPrecision(3))) : v.toExponential(1);
}

type SetConfig = (patch: Partial<Experiment>) => void;

/** The algorithm menu, each option with its help. */
function AlgoField({
  id,
  algo,
  task,
  setConfig,
}: {
  id: string;
  algo: Algo;
  task: string;
  setConfig: SetConfig;
}) {
  const refused = familySchema(task).refusedAlgos ?? {};
  return (
    <div className="field" title={FIELDS.algo.help}>
      <div className="field-head">
        <label htmlFor={id}>algorithm</label>
      </div>
      <select
        id={id}
        value={algo}
        title={ALGO_HELP[algo]}
        onChange={(e) => setConfig({ algo: e.currentTarget.value as Algo })}
      >
        {ALGOS.map((a) => (
          <option key={a} value={a} title={refused[a] ?? ALGO_HELP[a]} disabled={refused[a] !== undefined}>
            {ALGO_MENU[a]}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The seed, typed or drawn afresh. */
function SeedRow({
  seed,
  setConfig,
  commit,
}: {
  seed: number;
  setConfig: SetConfig;
  commit: (text: string) => void;
}) {
  return (
    <div className="field-row">
      <CommitInput
        label="seed"
        help={FIELDS.seed.help}
        value={String(seed)}
        inputMode="numeric"
        width="7.5em"
        onCommit={commit}
      />
      <button
        type="button"
        title="New seed: a fresh random seed, so new initial weights and a new task stream (restarts from step 0)."
        onClick={() => {
          const r = new Uint32Array(1);
          crypto.getRandomValues(r);
          setConfig({ seed: (r[0] as number) % 1_000_000 });
        }}
      >
        new seed
      </button>
    </div>
  );
}

export function ExperimentControls() {
  const config = useStore((s) => s.config);
  const setConfig = useStore((s) => s.setConfig);
  const notify = useStore((s) => s.notify);
  const algoId = useId();

  const num = (
    key: NumericKey,
    label: string,
    extra: { log?: boolean; format?: (v: number) => string } = {},
  ) => {
    const f = bounds(key);
    return (
      <RangeField
        label={label}
        help={f.help}
        value={config[key]}
        min={f.min}
        max={f.max}
        log={extra.log ?? false}
        step={1}
        format={extra.format ?? String}
        onChange={(v) => setConfig({ [key]: v } as Partial<Experiment>)}
      />
    );
  };

  /** Parse a typed value through the experiment schema; report anything it had to change. */
  const commit = (key: 'seed' | 'hidden', text: string) => {
    const { config: parsed, warnings } = parseExperiment({ [key]: text }, { base: config });
    if (warnings.length > 0)
      notify(
        'warning',
        `The ${key} you typed was adjusted`,
        warnings.map((w) => w.message),
      );
    setConfig({ [key]: parsed[key] } as Partial<Experiment>);
  };

  return (
    <section className="panel controls" aria-labelledby="controls-title">
      <h2 id="controls-title">Meta-training settings</h2>
      <AlgoField id={algoId} algo={config.algo} task={config.task} setConfig={setConfig} />
      {num('alpha', 'inner learning rate α', { log: true, format: fmtRate })}
      {num('beta', 'meta learning rate β', { log: true, format: fmtRate })}
      {num('inner', 'inner steps (meta-training)')}
      {num('k', 'K shots (support points per task)')}
      {num('query', 'query points per task')}
      {num('batch', 'meta-batch size (tasks per step)')}
      <SeedRow seed={config.seed} setConfig={setConfig} commit={(t) => commit('seed', t)} />
      <div className="field-row">
        <CommitInput
          label="hidden layers"
          help={FIELDS.hidden.help + ' Changing it builds a new network and restarts from step 0.'}
          value={config.hidden.join(',')}
          inputMode="text"
          width="6.5em"
          onCommit={(t) => commit('hidden', t)}
        />
      </div>
      <BackendPicker />
    </section>
  );
}
