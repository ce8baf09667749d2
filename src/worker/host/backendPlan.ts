/**
 * Which backend trains and which one answers read-only work, for every family: the forced
 * backend's comparison with wasm (measured beside it, WebGPU timed on its first real steps), the
 * auto mode's race, and wasm beside WebGPU for small read-only work (predictions, evaluation:
 * per-kernel overhead dominates those, and they must not wait behind the GPU queue).
 */
import * as tf from '@tensorflow/tfjs';
import type { FamilyRun, TaskFamily } from '../../core/families/family';
import { measureWasmBeside, type ProbeOptions, type SteppingRun } from '../backend';
import type {
  BackendName,
  BackendRequest,
  DeviceProbe,
  Engine,
  EngineRequest,
  FromWorker,
} from '../protocol';
import { probeDevice, raceBackends, type Contenders, type MakeRun, type RaceBudgets } from '../race';
import { autoContenders, contenderCount, forcedEngine, fusedReach } from './enginePlan';

/** How long the comparisons may take, per kind of family (a classifier's tfjs step is slow). */
export interface ProbeBudget {
  /** wasm timed beside a forced WebGPU, and in the auto race */
  wasm: ProbeOptions;
  /** WebGPU's first real steps: untimed warm-up steps, then at least one timed */
  webgpuSkip: number;
  /** the auto race gives a WebGPU step at most this long */
  webgpuDeadlineMs: number;
  /** read-only work runs on wasm beside WebGPU training */
  sideWasm: boolean;
}

export const REGRESSION_BUDGET: ProbeBudget = {
  wasm: { budgetMs: 1000, warmup: 2, group: 4, maxSteps: 40 },
  webgpuSkip: 2,
  webgpuDeadlineMs: 6000,
  sideWasm: true,
};

export const CLASSIFIER_BUDGET: ProbeBudget = {
  wasm: { budgetMs: 1000, warmup: 1, group: 1, maxSteps: 3 },
  webgpuSkip: 1,
  webgpuDeadlineMs: 8000,
  sideWasm: false,
};

/** training time on the engine that trains before the race takes its rate instead of timing it */
const TRAINED_MIN_MS = 250;

export class BackendPlan {
  backend: BackendName = 'cpu';
  /** the family's fused meta-step or tfjs kernels (see `planEngine`; the race may change it) */
  engine: Engine = 'tfjs';
  /** auto mode with more than one contender: they are raced on this workload */
  racing = false;
  contenders: Contenders = { fused: false, fusedWebgpu: false, webgpu: false };
  /** the device probe, timed once per worker (undefined: not yet) */
  private deviceProbe: DeviceProbe | null | undefined = undefined;
  private sideWasm = false;
  private wasmRate: number | null = null;
  /** timing the first real WebGPU steps, after `skip` warm-up steps, to compare with wasm */
  private probe: { skip: number; steps: number; ms: number } | null = null;
  /** training chunks on the current backend and engine since the last change of either */
  private trained = { steps: 0, ms: 0 };

  constructor(
    private readonly post: (msg: FromWorker) => void,
    public budget: ProbeBudget,
  ) {}

  /** The backend read-only work runs on. */
  get inferenceBackend(): BackendName {
    return this.sideWasm ? 'wasm' : this.backend;
  }

  get usesSideWasm(): boolean {
    return this.sideWasm;
  }

  /**
   * The engine, and in auto mode the contenders and the starting backend, for `request` on the
   * backend obtained (`webgpu`: an adapter is there to race). Auto starts on the expected-fastest
   * engine, the family's fused WebAssembly one where it loads, else tfjs, on wasm, and races when
   * two or more contenders are left under the engine request; a forced backend trains on its
   * fastest engine (`forcedEngine`). Returns why the request could not be met, or null.
   */
  async planEngine(
    family: TaskFamily,
    request: BackendRequest,
    engine: EngineRequest,
    webgpu: boolean,
  ): Promise<string | null> {
    const fused = await fusedReach(family);
    this.racing = false;
    this.trained = { steps: 0, ms: 0 };
    if (request === 'auto' && this.backend !== 'wasm') {
      if ((await tf.setBackend('wasm')) && tf.getBackend() === 'wasm') this.backend = 'wasm';
    }
    if (request === 'auto' && this.backend === 'wasm') {
      const auto = autoContenders(engine, fused, webgpu);
      this.contenders = auto.contenders;
      this.racing = contenderCount(auto.contenders) > 1;
      this.engine = auto.contenders.fused ? 'fused' : 'tfjs';
      return auto.notice;
    }
    const forced = forcedEngine(this.backend, engine, fused);
    this.contenders = { fused: fused.wasm, fusedWebgpu: fused.webgpu, webgpu: false };
    this.engine = forced.engine;
    return forced.notice;
  }

  /**
   * A forced WebGPU: measure wasm beside it now, and WebGPU on its first real steps. Like with
   * like: wasm is timed on the fused engine when WebGPU trains on the fused one, else on tfjs.
   */
  async compareForced(makeRun: MakeRun): Promise<void> {
    this.sideWasm = false;
    this.probe = null;
    if (this.backend !== 'webgpu' || this.racing) return;
    const engine: Engine = this.engine === 'fused' && this.contenders.fused ? 'fused' : 'tfjs';
    this.wasmRate = await measureWasmBeside(() => makeRun(engine), this.budget.wasm);
    this.sideWasm = this.budget.sideWasm && this.wasmRate !== null;
    this.probe = { skip: this.budget.webgpuSkip, steps: 0, ms: 0 };
  }

  /** The workload changed (a new race is due): training rates measured so far no longer apply. */
  forgetTraining(): void {
    this.trained = { steps: 0, ms: 0 };
  }

  /** Count a training chunk's steps and time towards the WebGPU probe; reports when done. */
  measured(steps: number, ms: number): void {
    this.trained.steps += steps;
    this.trained.ms += ms;
    const p = this.probe;
    if (!p) return;
    if (p.skip > 0) {
      p.skip -= steps;
      return;
    }
    p.steps += steps;
    p.ms += ms;
    if (p.steps >= 8 || p.ms >= 4000) {
      this.probe = null;
      const rates: Partial<Record<BackendName, number>> = { webgpu: p.steps / (p.ms / 1000) };
      if (this.wasmRate !== null) rates.wasm = this.wasmRate;
      this.post({ kind: 'benchmark', rates, choice: null });
    }
  }

  /**
   * Auto mode: time every contender on throwaway copies of this workload and move training to the
   * fastest. A new backend takes the run along in place (tfjs moves each tensor on first use), so
   * θ, Adam's moments, the task stream, the step and the curves carry over; a new engine needs the
   * run rebuilt by the caller (`engineChanged`). A family without a fused engine first times the
   * device probe (`makeProbe`), once per worker: see `raceBackends`.
   */
  async race(
    makeRun: MakeRun,
    run: FamilyRun,
    makeProbe: (engine: Engine) => SteppingRun,
  ): Promise<{ moved: boolean; engineChanged: boolean }> {
    const { fusedWebgpu, webgpu, tfjs } = this.contenders;
    if (!fusedWebgpu && webgpu && tfjs !== false && this.deviceProbe === undefined) {
      this.deviceProbe = await probeDevice(makeProbe, this.backend, this.budget.webgpuDeadlineMs);
    }
    const budgets: RaceBudgets = { ...this.budget, batch: run.experiment.batch };
    const t = this.trained;
    // (a slow engine's training chunks are a measurement already; a fast one's first chunk, a
    // few ms with its warm-up, is not: it is timed on a throwaway copy like the others)
    if (t.steps > 0 && t.ms >= TRAINED_MIN_MS && run.engine === this.engine) {
      const rate = t.steps / (t.ms / 1000);
      budgets.trained = { backend: this.backend, engine: this.engine, rate, bounded: false };
    }
    const result = await raceBackends(makeRun, this.backend, budgets, this.contenders, this.deviceProbe);
    const rates: Partial<Record<BackendName, number>> = {};
    for (const e of result.entries) if (e.engine === 'tfjs') rates[e.backend] = e.rate;
    this.post({ kind: 'benchmark', rates, choice: result });
    const winner = result.winner;
    if (winner.backend !== this.backend || winner.engine !== this.engine) this.trained = { steps: 0, ms: 0 };
    // the fused engine is another implementation on each backend (WebAssembly or WGSL)
    const engineChanged =
      winner.engine !== this.engine || (winner.engine === 'fused' && winner.backend !== this.backend);
    this.engine = winner.engine;
    if (winner.backend === this.backend) return { moved: engineChanged, engineChanged };
    if (this.backend === 'webgpu') {
      // read the run's state back asynchronously first, so the move needs no synchronous GPU read
      const live = [...Object.values(tf.engine().state.registeredVariables), run.randomTheta];
      await Promise.all(live.map((t) => t.data()));
    }
    await tf.setBackend(winner.backend);
    this.backend = winner.backend;
    this.sideWasm = this.budget.sideWasm && this.backend === 'webgpu' && rates.wasm !== undefined;
    return { moved: true, engineChanged };
  }

  /** Run `fn` (which makes its own tensors from arrays) on the inference backend. */
  async inference<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.sideWasm) return fn();
    await tf.setBackend('wasm');
    try {
      return await fn();
    } finally {
      await tf.setBackend(this.backend);
    }
  }
}
