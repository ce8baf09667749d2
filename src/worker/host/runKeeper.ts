/**
 * What the worker host owns of a run, for every family: the run itself and its family's worker
 * part, the backend plan, and the transitions between runs (reset, new settings, another backend,
 * a loaded θ file, the auto race's move), each saying what happened to the page. The scheduling
 * loop around it is host.ts, which holds one keeper and shares its LoopState with it.
 */
import { defaultsFor, type Experiment } from '../../core/experiment';
import type { FamilyRun } from '../../core/families/family';
import { familyOf, PROBE_TASK } from '../../core/families/registry';
import { restartReason } from '../../core/families/restart';
import { adoptSavedConfig, decodeAnyTheta, type ReadTheta } from '../../core/families/savedTheta';
import { chooseBackend } from '../backend';
import { familyWorkerFor } from '../families';
import type { FamilyWorker, HostServices } from '../families/familyWorker';
import type { BackendName, BackendRequest, Engine, EngineRequest } from '../protocol';
import { runFromState } from '../../core/runs/resume';
import { movedRun, openRunFile } from '../runFiles';
import { runFromSnapshot, snapshotFinite, takeSnapshot } from '../runState';
import { BackendPlan, REGRESSION_BUDGET } from './backendPlan';
import { fusedFallbackNotice, fusedWebgpuProblem } from './enginePlan';
import { ProgressReporter } from './progress';
import { SideBudget } from './sideBudget';

import { now, type Lifecycle, type LoopState, type Post } from './loopState';

/** The init message's settings the keeper needs to open the first run. */
export interface OpenSettings {
  wasmPath: string;
  evalTasks: number;
  backend: BackendRequest;
  /** the engine asked for (absent: auto) */
  engine?: EngineRequest;
}

export class RunKeeper {
  private current: FamilyRun | null = null;
  private settings: Experiment | null = null;
  private part: FamilyWorker | null = null;
  readonly plan: BackendPlan;
  readonly progress: ProgressReporter;
  /** side work (predictions, evaluation, θ view) takes at most a fifth of the time while training */
  readonly side = new SideBudget();
  private requested: BackendRequest = 'auto';
  private engineRequest: EngineRequest = 'auto';
  private fallback: string | null = null;
  private wasmPath = '';
  /** where the run's θ came from, in words (the page shows it) */
  thetaSource = '';
  private evalTasks = 0;

  private readonly services: HostServices = {
    run: () => this.runOrThrow,
    config: () => this.configOrThrow,
    running: () => this.loop.running,
    post: (msg) => this.post(msg),
    inference: (fn) => this.plan.inference(fn),
    usesSideWasm: () => this.plan.usesSideWasm,
    inferenceBackend: () => this.plan.inferenceBackend,
    snapshot: () => takeSnapshot(this.runOrThrow),
  };

  constructor(
    private readonly post: Post,
    private readonly loop: LoopState,
  ) {
    this.plan = new BackendPlan(post, REGRESSION_BUDGET);
    this.progress = new ProgressReporter(post);
  }

  /** the run that trains (null before init and while a backend switch rebuilds it) */
  get run(): FamilyRun | null {
    return this.current;
  }

  get config(): Experiment | null {
    return this.settings;
  }

  /** the run's family's worker part */
  get family(): FamilyWorker | null {
    return this.part;
  }

  /** The init's settings: the backend asked for, the chosen one and why another was not. */
  choose(settings: OpenSettings, choice: { backend: BackendName; fallback: string | null }): void {
    this.wasmPath = settings.wasmPath;
    this.evalTasks = settings.evalTasks;
    this.requested = settings.backend;
    this.engineRequest = settings.engine ?? 'auto';
    this.plan.backend = choice.backend;
    this.fallback = choice.fallback;
  }

  get runOrThrow(): FamilyRun {
    if (!this.current) throw new Error('the run is not initialised');
    return this.current;
  }

  get configOrThrow(): Experiment {
    if (!this.settings) throw new Error('the run is not initialised');
    return this.settings;
  }

  stopRunning(): void {
    const was = this.loop.running || this.loop.replayTo !== null;
    this.loop.running = false;
    this.loop.replayTo = null;
    this.loop.stepRequests = 0;
    if (was) this.afterPause();
  }

  /** Once training stops, everything shown should describe the θ it stopped at. */
  afterPause(): void {
    this.progress.due = true;
    this.loop.snapshotDue = true;
    this.part?.markDirty();
  }

  /**
   * A throwaway copy of the workload for timing a backend: the real run's family and settings (at
   * meta-batch `batch` when given: the race's scaled-down copies).
   */
  probeRun(config: Experiment, engine: Engine = 'tfjs', batch?: number): FamilyRun {
    const c = batch === undefined ? config : { ...config, batch };
    return familyOf(config.task).createRun(c, { pretrained: this.plan.budget.sideWasm, engine });
  }

  /**
   * The engine for the backend request, the engine request and the backend obtained (`webgpu`:
   * whether an adapter is there to race): see `BackendPlan.planEngine`. A request that cannot be
   * met is said once, as a notice.
   */
  async planEngine(
    task: string,
    request: BackendRequest,
    engine: EngineRequest,
    webgpu: boolean,
  ): Promise<void> {
    this.engineRequest = engine;
    const notice = await this.plan.planEngine(familyOf(task), request, engine, webgpu);
    if (notice) this.post({ kind: 'notice', level: 'info', message: `${notice}.` });
  }

  /**
   * A forced WebGPU on the fused engine that cannot run this network or batch here (a shader that
   * does not compile, the device's limits): the run continues with tfjs kernels on WebGPU, θ,
   * Adam's moments, the stream and the step kept, and the page is told why.
   */
  async fallBackFromFused(): Promise<void> {
    if (this.plan.backend !== 'webgpu' || this.plan.engine !== 'fused' || this.plan.racing) return;
    const run = this.runOrThrow;
    const problem = await fusedWebgpuProblem(run);
    if (problem === null) return;
    const config = this.configOrThrow;
    this.plan.engine = 'tfjs';
    this.replaceRun(config, await movedRun(run, config, 'tfjs'));
    this.post(fusedFallbackNotice(`cannot train this run on WebGPU (${problem})`));
  }

  /**
   * A live change the fused WGSL engine cannot hold (a device limit): the run continues with it
   * on tfjs kernels, θ, Adam's moments, the stream, the step and the curves kept; says why.
   */
  private async fallBackOnChange(run: FamilyRun, next: Experiment): Promise<void> {
    const problem = (await fusedWebgpuProblem(run)) ?? 'the fused engine cannot hold this change';
    this.plan.engine = 'tfjs';
    this.replaceRun(next, await movedRun(run, next, 'tfjs'));
    this.post(fusedFallbackNotice(`cannot hold this change on WebGPU (${problem})`));
    this.postReady(true);
  }

  /** Auto mode: race at `at`; while training, not before the first chunk's step is posted. */
  scheduleRace(at: number): void {
    this.loop.raceAt = at;
    this.loop.raceAfterStep = this.current?.stepCount ?? 0;
    this.plan.forgetTraining();
  }

  postReady(resumed: boolean): void {
    const run = this.runOrThrow;
    // what the page asks for in answer (a task view, a θ to load) goes before the θ view's report
    this.side.holdAfterReady();
    this.post({
      kind: 'ready',
      backend: this.plan.backend,
      requested: this.requested,
      engine: run.engine,
      fallback: this.fallback,
      numParams: run.numParams,
      step: run.stepCount,
      config: this.configOrThrow,
      thetaSource: this.thetaSource,
      resumed,
      running: this.loop.running,
    });
  }

  async race(): Promise<void> {
    this.loop.raceAt = null;
    const config = this.configOrThrow;
    const { moved, engineChanged } = await this.plan.race(
      (e, batch) => this.probeRun(config, e, batch),
      this.runOrThrow,
      // the device probe: the probe family's step, which both fused engines run
      (e) => familyOf(PROBE_TASK).createRun(defaultsFor(PROBE_TASK), { pretrained: false, engine: e }),
    );
    if (engineChanged) {
      // another engine: the run is rebuilt from its whole state (θ, moments, baselines, α, stream, step)
      this.replaceRun(config, await movedRun(this.runOrThrow, config, this.plan.engine));
    }
    if (moved) this.postReady(true);
  }

  /** A new run replaces the old one (a new network, a restored θ, another backend). */
  replaceRun(config: Experiment, run: FamilyRun): void {
    this.current?.dispose();
    this.current = run;
    const familyChanged = !this.settings || this.settings.task !== config.task;
    this.settings = { ...config, hidden: [...config.hidden] };
    if (familyChanged || !this.part) {
      const part = familyWorkerFor(config.task, this.services, this.evalTasks);
      this.part = part.worker;
      this.plan.budget = part.budget;
    } else {
      this.part.runReplaced();
    }
  }

  async applyLifecycle(op: Lifecycle): Promise<void> {
    if (op.kind === 'reset') {
      const config = this.configOrThrow;
      this.replaceRun(config, runFromSnapshot(config, null, this.plan.engine));
      this.thetaSource = `random initialisation (seed ${config.seed})`;
      await this.restartBookkeeping(0, null);
      this.postReady(false);
    } else if (op.kind === 'config') {
      await this.applyConfig(op.config);
    } else if (op.kind === 'backend') {
      await this.switchBackend(op.request, op.engine ?? this.engineRequest);
    } else if (op.kind === 'openRun') {
      await this.openRun(op.text, op.source);
    } else if (this.loadTheta(op.text, op.source)) {
      // a new run, continuing the file's meta-step count (the shipped glyph θ: step 2000)
      await this.restartBookkeeping(this.runOrThrow.stepCount, null, true);
    }
  }

  /** Another backend or engine request: the whole state moves (θ, Adam's moments, baselines, α, stream, step). */
  private async switchBackend(request: BackendRequest, engine: EngineRequest): Promise<void> {
    const state = await this.runOrThrow.exportState();
    const config = this.configOrThrow;
    this.current?.dispose();
    this.current = null;
    const choice = await chooseBackend(request, this.wasmPath);
    this.requested = request;
    this.plan.backend = choice.backend;
    this.loop.raceAt = null;
    this.fallback = choice.fallback;
    await this.planEngine(config.task, request, engine, choice.backend === 'webgpu');
    this.replaceRun(config, runFromState({ ...state, config }, { engine: this.plan.engine }));
    await this.fallBackFromFused();
    this.postReady(true);
    if (this.plan.racing) this.scheduleRace(now());
    else await this.plan.compareForced((e) => this.probeRun(config, e));
  }

  /** Continue a saved run exactly where it stopped; a file that cannot be opened changes nothing. */
  async openRun(text: string, source: string): Promise<void> {
    let opened: Awaited<ReturnType<typeof openRunFile>>;
    try {
      opened = await openRunFile(text, this.configOrThrow.task, this.plan.engine);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      this.post({ kind: 'runNotOpened', source, reason: why });
      this.progress.due = true;
      return;
    }
    const { file, run, data } = opened;
    // the page keeps the data the file brought, as if it had been imported
    if (data) {
      const { name, hash, bytes, reading } = data;
      this.post({
        kind: 'runData',
        task: file.state.config.task,
        name,
        hash,
        file: new Blob([bytes as BlobPart]),
        ...(reading ? { reading } : {}),
      });
    }
    this.replaceRun(file.state.config, run);
    this.thetaSource = `${source} (meta-step ${run.stepCount})`;
    await this.restartBookkeeping(run.stepCount, null);
    this.postReady(false);
    this.post({
      kind: 'runOpened',
      step: run.stepCount,
      config: file.state.config,
      source,
      name: file.name ?? null,
      savedAt: file.savedAt,
      createdAt: file.createdAt,
      curves: file.curves,
    });
  }

  /**
   * Start a new run from a θ file of either format (checked; the page's family only); a file that
   * cannot be read changes nothing and is answered with the reason. True when θ was loaded.
   */
  loadTheta(text: string, source: string): boolean {
    let saved: ReadTheta;
    try {
      saved = decodeAnyTheta(text, [this.configOrThrow.task]);
    } catch (e) {
      this.post({ kind: 'runNotOpened', source, reason: e instanceof Error ? e.message : String(e) });
      this.progress.due = true;
      return false;
    }
    const config = adoptSavedConfig(this.configOrThrow, saved);
    const learned = config.algo === 'metasgd' ? saved.alpha : config.algo === 'mamlpp' ? saved.rates : null;
    // the loaded θ trains on the engine the plan chose, like every other new run
    const run = familyOf(config.task).createRun(config, {
      engine: this.plan.engine,
      theta: saved.theta,
      ...(learned ? { alpha: learned } : {}),
      ...(saved.pretrained
        ? { pretrainedTheta: { theta: saved.pretrained.body, step: saved.pretrained.step } }
        : {}),
    });
    // the file's θ was meta-trained for saved.step steps: the run's steps continue from there
    run.stepCount = saved.step;
    this.replaceRun(config, run);
    const baseline = saved.pretrained ? `; pretrained baseline: ${saved.pretrained.step} steps` : '';
    this.thetaSource = `${source} (meta-step ${saved.step}${baseline})`;
    this.postReady(false);
    this.post({
      kind: 'thetaLoaded',
      step: saved.step,
      config,
      source,
      pretrainedSteps: saved.pretrained?.step ?? null,
    });
    return true;
  }

  async applyConfig(next: Experiment): Promise<void> {
    const prev = this.configOrThrow;
    const run = this.runOrThrow;
    const what = restartReason(prev, next);
    // the winner depends on the network's size and the meta-batch: race them again
    const rerace =
      this.plan.racing && (next.hidden.join() !== prev.hidden.join() || next.batch !== prev.batch);
    if (what !== null) {
      this.replaceRun(next, runFromSnapshot(next, null, this.plan.engine));
      this.thetaSource = `random initialisation (seed ${next.seed})`;
      await this.restartBookkeeping(0, `${what}: a new network, so meta-training restarts from step 0`);
      await this.fallBackFromFused();
      this.postReady(false);
      if (!this.plan.racing) await this.plan.compareForced((e) => this.probeRun(next, e));
    } else if (next.algo !== prev.algo) {
      // switching algorithm keeps θ (and the baseline); the optimiser's moments restart
      const snap = await takeSnapshot(run);
      this.replaceRun(next, runFromSnapshot(next, { ...snap, alpha: null }, this.plan.engine));
      this.post({
        kind: 'notice',
        level: 'info',
        message: `Algorithm switched to ${next.algo} at step ${snap.step}: θ is kept, the optimiser's moments restart.`,
      });
    } else if (!run.update(next) && this.plan.backend === 'webgpu' && run.engine === 'fused') {
      await this.fallBackOnChange(run, next);
    } else {
      this.settings = { ...next, hidden: [...next.hidden] };
      this.part?.runReplaced();
    }
    if (rerace) this.scheduleRace(now());
    this.part?.markDirty();
    this.progress.due = true;
  }

  /** After the run was replaced by one at `step`: forget what came after it and say so. */
  /** `fresh`: a new run that starts at `step` (a loaded θ file), not the old run gone back to it */
  async restartBookkeeping(step: number, reason: string | null, fresh = step === 0): Promise<void> {
    this.progress.forget(step);
    this.post({ kind: 'rewind', step, reason, fresh });
    const snap = await takeSnapshot(this.runOrThrow);
    this.loop.lastGood = snapshotFinite(snap) ? snap : null;
    this.loop.snapshotDue = true;
    this.part?.markDirty();
  }
}
