import { useStore, type Store } from '../shell/store';
import { formatLoss } from '../kit/format';
import { familyOf } from '../shell/families';
import { formatRate } from '../../core/wording/rates';
import { familySchema } from '../../core/experiment';
import { META_LOSS } from '../../core/schema';
import { AutoChoiceNote } from './AutoChoiceNote';

function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m} min ${String(s % 60).padStart(2, '0')} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** A training speed people can read: "95 steps/s", or "1.24 s/step" when a step takes over a second. */
export function formatSpeed(stepsPerSec: number): string {
  if (stepsPerSec > 0 && stepsPerSec < 1) return `${(1 / stepsPerSec).toFixed(2)} s/step`;
  return `${formatRate(stepsPerSec)} steps/s`;
}

/** Time per meta-step, for comparing backends: "2.31 s/step", "115 ms/step", "0.62 ms/step". */
export function formatStepTime(stepsPerSec: number): string {
  if (!(stepsPerSec > 0)) return '– s/step';
  const ms = 1000 / stepsPerSec;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s/step`;
  return `${ms >= 10 ? ms.toFixed(0) : ms.toPrecision(2)} ms/step`;
}

/** The held-out evaluation's headline, in the words of the family shown. */
const evalReadout = (s: Store) => familyOf(s.config.task).readouts.evaluation(s);
/** What the meta-step's own number is for the family shown (the meta-loss unless it names another). */
const quantityOf = (s: Store) => familySchema(s.config.task).trainingQuantity ?? META_LOSS;
/** θ's size, as the family shown knows it. */
const paramsOf = (s: Store) => familyOf(s.config.task).readouts.parameters(s);

/** Play/Pause, Step, Reset and the walk-through's button. */
function TransportButtons() {
  const running = useStore((s) => s.running);
  const phase = useStore((s) => s.phase);
  const walking = useStore((s) => s.walk !== null);
  const { toggle, stepOnce, reset, openWalk } = useStore.getState();
  return (
    <div className="buttons">
      <button
        type="button"
        className="primary"
        onClick={toggle}
        disabled={phase === 'failed'}
        title="Play/Pause: run meta-training steps continuously in the worker (space bar toggles)."
      >
        {running ? 'Pause' : 'Play'}
      </button>
      <button
        type="button"
        onClick={stepOnce}
        disabled={running || phase !== 'ready'}
        title="Step: one meta-step: adapt to a meta-batch of tasks, then update θ once."
      >
        Step
      </button>
      <button
        type="button"
        onClick={reset}
        disabled={phase === 'failed'}
        title="Reset: back to the seed's random θ at step 0 (same settings)."
      >
        Reset
      </button>
      <button
        type="button"
        className="walk-button"
        onClick={() => openWalk(0)}
        disabled={phase !== 'ready' || walking}
        title="Walk through one meta-step (W): pause and follow the next step phase by phase, with the real numbers. → / ← move, Esc leaves."
      >
        Walk through one meta-step
      </button>
    </div>
  );
}

/** The run's live readouts: step, speed, backend and engine, time, loss, evaluation, θ's size. */
function Readouts({ backendName, engine }: { backendName: string; engine: string }) {
  const step = useStore((s) => s.step);
  const stepsPerSec = useStore((s) => s.stepsPerSec);
  const elapsedMs = useStore((s) => s.elapsedMs);
  const lastLoss = useStore((s) => s.lastLoss);
  const quantity = useStore(quantityOf);
  const evalLabel = useStore((s) => evalReadout(s).label);
  const evalHelp = useStore((s) => evalReadout(s).help);
  const evalText = useStore((s) => evalReadout(s).text);
  const numParams = useStore(paramsOf);
  const tensors = useStore((s) => s.tensors);
  return (
    <dl className="readouts">
      <div title="Meta-step: how many times θ has been updated.">
        <dt>meta-step</dt>
        <dd data-readout="step">{step}</dd>
      </div>
      <div title="Meta-steps per second over the last two seconds of training (seconds per step when a step takes longer than a second).">
        <dt>speed</dt>
        <dd>{formatSpeed(stepsPerSec)}</dd>
      </div>
      <div
        title={`The tfjs backend the worker actually runs on (read back with tf.getBackend()).${tensors !== null ? ` ${tensors} tensors allocated in the worker.` : ''}`}
      >
        <dt>backend</dt>
        <dd data-readout="backend">{backendName}</dd>
        <dd
          className="sub"
          data-readout="engine"
          title="fused: one WebAssembly call per meta-step; tfjs: the reference kernels"
        >
          {engine}
        </dd>
      </div>
      <div title="Time spent meta-training (not counting pauses).">
        <dt>elapsed</dt>
        <dd>{formatElapsed(elapsedMs)}</dd>
      </div>
      <div title={quantity.help}>
        <dt>{quantity.name}</dt>
        <dd data-readout="loss">{lastLoss === null ? '–' : formatLoss(lastLoss)}</dd>
      </div>
      <div className="wide" title={evalHelp}>
        <dt>{evalLabel}</dt>
        <dd data-readout="eval">{evalText ?? '–'}</dd>
      </div>
      <div title="Number of weights and biases in θ.">
        <dt>parameters</dt>
        <dd data-readout="params">{numParams ?? '…'}</dd>
      </div>
    </dl>
  );
}

/** What the backend choice says: auto mode's measurement, or WebGPU timed against wasm. */
function SpeedNote() {
  const running = useStore((s) => s.running);
  const backend = useStore((s) => s.backend);
  const stepsPerSec = useStore((s) => s.stepsPerSec);
  const rates = useStore((s) => s.rates);
  const autoChoice = useStore((s) => s.autoChoice);
  const { setBackendRequest } = useStore.getState();
  const slower =
    backend === 'webgpu' &&
    rates?.webgpu !== undefined &&
    rates.wasm !== undefined &&
    rates.wasm > rates.webgpu;
  return autoChoice ? (
    <AutoChoiceNote choice={autoChoice} trainingRate={stepsPerSec} />
  ) : slower && rates ? (
    <p
      className="note warn"
      data-testid="backend-speed"
      data-webgpu-steps-per-second={rates.webgpu}
      data-wasm-steps-per-second={rates.wasm}
    >
      WebGPU is slower than wasm for this network: {formatStepTime(rates.webgpu ?? 0)} vs{' '}
      {formatStepTime(rates.wasm ?? 0)} measured on the first steps.{' '}
      <button
        type="button"
        onClick={() => setBackendRequest('wasm')}
        title="Continue this run (θ, baselines, step) on wasm."
      >
        Switch to wasm
      </button>
    </p>
  ) : backend === 'webgpu' && rates?.webgpu !== undefined && rates.wasm !== undefined ? (
    <p
      className="note"
      data-testid="backend-speed"
      data-webgpu-steps-per-second={rates.webgpu}
      data-wasm-steps-per-second={rates.wasm}
    >
      WebGPU measured faster than wasm here: {formatStepTime(rates.webgpu)} vs {formatStepTime(rates.wasm)}.
    </p>
  ) : backend === 'webgpu' && !autoChoice && running ? (
    <p className="note" data-testid="backend-speed">
      Timing WebGPU against wasm on the first meta-steps…
    </p>
  ) : null;
}

/** Play/Pause, Step, Reset, and the live readouts of the run. */
export function Transport() {
  const running = useStore((s) => s.running);
  const workerTraining = useStore((s) => s.workerTraining);
  const phase = useStore((s) => s.phase);
  const step = useStore((s) => s.step);
  const backend = useStore((s) => s.backend);
  const stepsPerSec = useStore((s) => s.stepsPerSec);
  const replay = useStore((s) => s.replay);
  const backendNote = useStore((s) => s.backendNote);
  const engine = useStore((s) => s.engine) ?? 'tfjs';
  const backendName = backend ?? (phase === 'failed' ? 'none' : 'starting…');

  return (
    <section className="panel transport" aria-label="Training">
      <TransportButtons />
      <p role="status" aria-live="off" className="status-line" data-engine={engine}>
        step {step} · {backendName} · {formatSpeed(stepsPerSec)}
        {engine === 'fused' ? ' (fused engine)' : ''}
        {running && !replay ? ' · training' : ''}
        {replay ? ' · replaying shared run' : ''}
        {!running && phase === 'ready' ? (workerTraining ? ' · pausing…' : ' · paused') : ''}
      </p>
      {replay ? (
        <div className="replay">
          <label>
            Replaying shared run: step {step} of {replay.target}
            <progress max={replay.target - replay.from} value={Math.max(0, step - replay.from)} />
          </label>
        </div>
      ) : null}
      <Readouts backendName={backendName} engine={engine} />
      {backendNote ? (
        <p className="note" data-testid="backend-note">
          Running on <strong>{backendName}</strong>. {backendNote}.
        </p>
      ) : null}
      <SpeedNote />
    </section>
  );
}
