/**
 * The fused 2-D navigation engine (./assembly): rollouts of every task × trajectory, REINFORCE
 * inner steps, the exact second-order (or first-order) meta-gradient of policy-gradient MAML,
 * the pretrained baseline's step and Adam, in one WebAssembly instance. The caller draws every
 * random number (goals, action noise) and fits the advantages between calls, so this engine and
 * the family's tfjs one compute the same estimator on the same random numbers.
 *
 * Slots: data slot k holds one rollout (observations, actions, advantage weights, the policy's
 * layer outputs); θ slot k holds every task's parameters. A meta-iteration samples slot k at θ
 * slot k, steps θ slot k → k + 1, and finally samples the post-update slot K at θ slot K.
 */
import type { AdamState } from '../../meta/adam';
import { instantiateFusedNav2dSync, NAV2D_BUFFER, type FusedNav2dExports } from './wasmModule';

export const NAV2D_HORIZON = 100;

/** What the buffers are sized for: the most tasks, trajectories and slots (inner steps + 1). */
export interface FusedNav2dSettings {
  hidden: readonly number[];
  tasks: number;
  trajs: number;
  slots: number;
}

/** A rollout in the reference layout [task, trajectory·H + step] (copies). */
export interface FusedRollout {
  obs: Float32Array;
  act: Float32Array;
  rewards: Float32Array;
  alive: Float32Array;
}

/** θ, the baseline's θ and both Adams, as copies. */
export interface FusedNav2dState {
  theta: Float32Array;
  adam: AdamState;
  pretrained: Float32Array;
  pretrainedAdam: AdamState;
}

/** which flat θ: the meta-learned one, the baseline's, or any θ to evaluate */
type Which = 'meta' | 'pretrained' | 'eval';
const WHICH_CODE: Record<Which, number> = { meta: 0, pretrained: 1, eval: 2 };
const WHICH_BUFFER: Record<Which, number> = {
  meta: NAV2D_BUFFER.theta,
  pretrained: NAV2D_BUFFER.pre,
  eval: NAV2D_BUFFER.eval,
};

export class FusedNav2dEngine {
  /** calls into WebAssembly so far (a constant number per meta-iteration) */
  wasmCalls = 0;
  readonly numParams: number;
  private readonly ex: FusedNav2dExports;

  private constructor(
    readonly settings: FusedNav2dSettings,
    theta: Float32Array,
    pretrained: Float32Array | null,
  ) {
    const h = settings.hidden;
    if (h.length < 1 || h.length > 4)
      throw new Error('the fused navigation engine takes 1 to 4 hidden layers');
    this.ex = instantiateFusedNav2dSync();
    this.ex.init(
      h[0] ?? 0,
      h[1] ?? 0,
      h[2] ?? 0,
      h[3] ?? 0,
      h.length,
      settings.tasks,
      settings.trajs,
      settings.slots,
    );
    this.numParams = this.ex.flatSize();
    if (theta.length !== this.numParams) {
      throw new Error(`θ has ${theta.length} numbers; this policy has ${this.numParams}`);
    }
    this.f32(NAV2D_BUFFER.theta, this.numParams).set(theta);
    if (pretrained) this.f32(NAV2D_BUFFER.pre, this.numParams).set(pretrained);
  }

  /** An engine for these settings (loadFusedNav2d() must have resolved); throws when memory runs out. */
  static createSync(
    settings: FusedNav2dSettings,
    theta: Float32Array,
    pretrained: Float32Array | null,
  ): FusedNav2dEngine {
    return new FusedNav2dEngine(settings, theta, pretrained);
  }

  /** A view of a buffer (valid while the engine lives: its memory never grows after init). */
  private f32(id: number, length: number): Float32Array {
    return new Float32Array(this.ex.memory.buffer, this.ex.addr(id), length);
  }

  private fits(tasks: number, trajs: number): void {
    if (tasks > this.settings.tasks || trajs > this.settings.trajs) {
      throw new Error(`the engine holds ${this.settings.tasks} tasks × ${this.settings.trajs} trajectories`);
    }
  }

  setGoals(goals: Float32Array): void {
    this.fits(goals.length / 2, 1);
    this.f32(NAV2D_BUFFER.goals, goals.length).set(goals);
  }

  /** θ slot `slot` of the first `tasks` tasks = θ (or the baseline's θ). */
  broadcast(slot: number, which: Which, tasks: number): void {
    this.wasmCalls++;
    this.ex.broadcast(slot, WHICH_CODE[which], tasks);
  }

  /** Samples data slot `slot` at θ slot `thetaSlot` with this noise [H, tasks, trajs, 2]. */
  rollout(slot: number, thetaSlot: number, noise: Float32Array, tasks: number, trajs: number): FusedRollout {
    this.fits(tasks, trajs);
    const n = tasks * trajs * NAV2D_HORIZON;
    if (noise.length !== n * 2) throw new Error(`noise of ${noise.length} numbers for ${n} steps`);
    this.f32(NAV2D_BUFFER.noise, noise.length).set(noise);
    this.wasmCalls++;
    this.ex.rollout(slot, thetaSlot, tasks, trajs);
    return {
      obs: this.f32(NAV2D_BUFFER.obs, 2 * n).slice(),
      act: this.f32(NAV2D_BUFFER.act, 2 * n).slice(),
      rewards: this.f32(NAV2D_BUFFER.reward, n).slice(),
      alive: this.f32(NAV2D_BUFFER.alive, n).slice(),
    };
  }

  /** Data slot `slot`'s advantage weights (reference layout [task, trajectory·H + step]). */
  setWeights(slot: number, weights: Float32Array, tasks: number, trajs: number): void {
    if (weights.length !== tasks * trajs * NAV2D_HORIZON) throw new Error('weights do not fit the rollout');
    this.f32(NAV2D_BUFFER.weight, weights.length).set(weights);
    this.wasmCalls++;
    this.ex.weights(slot, tasks, trajs);
  }

  /** Recomputes data slot `slot`'s policy outputs at θ slot `thetaSlot` (checks at other θ). */
  refresh(slot: number, thetaSlot: number, tasks: number, trajs: number): void {
    this.wasmCalls++;
    this.ex.refresh(slot, thetaSlot, tasks, trajs);
  }

  /** θ slot `to` = θ slot `from` − α ∇L on data slot `slot`, every task. */
  inner(slot: number, from: number, to: number, tasks: number, trajs: number, alpha: number): void {
    this.wasmCalls++;
    this.ex.inner(slot, from, to, tasks, trajs, alpha);
  }

  /**
   * The meta-gradient after `inner` steps (see assembly/index.ts meta()): the mean post-update
   * surrogate and a copy of the gradient; Adam with rate β updates θ when `apply`. The inner steps
   * were taken at rate α, then `later` after the first (α unless given). With `allSteps` the
   * objective is the mean of the surrogates after each inner step 1..K (the post-update one last).
   */
  meta(
    inner: number,
    tasks: number,
    trajs: number,
    alpha: number,
    firstOrder: boolean,
    beta: number,
    apply: boolean,
    later = alpha,
    allSteps = false,
  ): { value: number; grad: Float32Array } {
    this.wasmCalls++;
    const all = allSteps ? 1 : 0;
    this.ex.meta(inner, tasks, trajs, alpha, later, firstOrder ? 1 : 0, beta, apply ? 1 : 0, all);
    return { value: this.result(0), grad: this.f32(NAV2D_BUFFER.grad, this.numParams).slice() };
  }

  /** The baseline's gradient on data slot `slot` at θ slot `thetaSlot` (Adam on it when `apply`). */
  joint(slot: number, thetaSlot: number, tasks: number, trajs: number, beta: number, apply: boolean) {
    this.wasmCalls++;
    this.ex.joint(slot, thetaSlot, tasks, trajs, beta, apply ? 1 : 0);
    return { value: this.result(1), grad: this.f32(NAV2D_BUFFER.grad, this.numParams).slice() };
  }

  /**
   * Keeps the policy that sampled data slot `slot` (at θ slot `slot`) for TRPO's KL and surrogate,
   * with its live weights (reference layout): 1 / live steps of the task, else 0.
   */
  trpoKeep(slot: number, tasks: number, trajs: number, live: Float32Array): void {
    if (live.length !== tasks * trajs * NAV2D_HORIZON) throw new Error('live weights do not fit the rollout');
    this.f32(NAV2D_BUFFER.weight, live.length).set(live);
    this.wasmCalls++;
    this.ex.trpoKeep(slot, tasks, trajs);
  }

  /**
   * H v, H the Hessian at θ of the mean KL between the kept adapted policies and those of θ
   * through the inner steps (see assembly/trpo.ts trpoHv): the post-update policy's, or with
   * `allSteps` the mean over the policies after steps 1..K; the data slots as meta() reads them.
   */
  klHessianVector(
    v: Float32Array,
    inner: number,
    tasks: number,
    trajs: number,
    alpha: number,
    firstOrder: boolean,
    later = alpha,
    allSteps = false,
  ): Float32Array {
    this.f32(NAV2D_BUFFER.vec, this.numParams).set(v);
    this.wasmCalls++;
    this.ex.trpoHv(inner, tasks, trajs, alpha, later, firstOrder ? 1 : 0, allSteps ? 1 : 0);
    return this.f32(NAV2D_BUFFER.grad, this.numParams).slice();
  }

  /**
   * After the data slots were refreshed at a trial θ: the surrogate −Σ w π/π_old and the mean KL
   * of slot `inner` (with `allSteps`, their means over slots 1..inner).
   */
  trpoCheck(
    inner: number,
    tasks: number,
    trajs: number,
    allSteps = false,
  ): { surrogate: number; kl: number } {
    this.wasmCalls++;
    this.ex.trpoCheck(inner, tasks, trajs, allSteps ? 1 : 0);
    return { surrogate: this.result(0), kl: this.result(1) };
  }

  private result(i: number): number {
    return new Float64Array(this.ex.memory.buffer, this.ex.addr(NAV2D_BUFFER.result), 2)[i] as number;
  }

  /** Task `task`'s θ in θ slot `slot` (flat copy). */
  slotTheta(slot: number, task: number): Float32Array {
    this.ex.readTheta(slot, task);
    return this.f32(NAV2D_BUFFER.grad, this.numParams).slice();
  }

  theta(): Float32Array {
    return this.f32(NAV2D_BUFFER.theta, this.numParams).slice();
  }

  pretrainedTheta(): Float32Array {
    return this.f32(NAV2D_BUFFER.pre, this.numParams).slice();
  }

  setTheta(which: Which, theta: Float32Array): void {
    if (theta.length !== this.numParams) throw new Error('θ does not fit the policy');
    this.f32(WHICH_BUFFER[which], this.numParams).set(theta);
  }

  private counters(): Int32Array {
    return new Int32Array(this.ex.memory.buffer, this.ex.addr(NAV2D_BUFFER.counters), 2);
  }

  private adam(m: number, v: number, counter: number): AdamState {
    return {
      t: this.counters()[counter] as number,
      m: this.f32(m, this.numParams).slice(),
      v: this.f32(v, this.numParams).slice(),
    };
  }

  state(): FusedNav2dState {
    const b = NAV2D_BUFFER;
    return {
      theta: this.theta(),
      adam: this.adam(b.mTheta, b.vTheta, 0),
      pretrained: this.pretrainedTheta(),
      pretrainedAdam: this.adam(b.mPre, b.vPre, 1),
    };
  }

  /** Continues from state(): the next step is the one that state's engine would have taken. */
  restore(s: FusedNav2dState): void {
    const b = NAV2D_BUFFER;
    const put = (id: number, x: Float32Array) => {
      if (x.length !== this.numParams)
        throw new Error(`a state of ${x.length} numbers for ${this.numParams}`);
      this.f32(id, this.numParams).set(x);
    };
    put(b.theta, s.theta);
    put(b.mTheta, s.adam.m);
    put(b.vTheta, s.adam.v);
    put(b.pre, s.pretrained);
    put(b.mPre, s.pretrainedAdam.m);
    put(b.vPre, s.pretrainedAdam.v);
    const c = this.counters();
    c[0] = s.adam.t;
    c[1] = s.pretrainedAdam.t;
  }

  /** The instance's memory goes with the last reference; nothing to free explicitly. */
  dispose(): void {}
}
