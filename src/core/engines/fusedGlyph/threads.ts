/**
 * A fused glyph meta-step split over threads: the calling thread computes the first shard of the
 * meta-batch's tasks while helper threads (each with its own instance of the same wasm module)
 * compute the others; then the caller adds every task's share in task order and runs Reptile's
 * mean, Adam and the pretrained step. Since each task's share depends only on θ, α and its images,
 * and the sum runs in the order of the single-call step(), θ and Adam's moments come out to the
 * bit whatever the thread count. The helpers are told per step through shared memory (Atomics),
 * so step() stays synchronous; a platform makes the helpers (src/cli/engineThreads.ts in Node) and runs glyphShardServer() in each.
 */
import { LSLR_STEPS } from '../../meta/mamlppSchedule';
import type { ImageTaskBatch } from '../batch';
import type { WasmGlyphSettings } from './fusedGlyph';
import { ratesLength } from './mamlpp';
import {
  CONTROL,
  HELPER_WORDS,
  SHARD_PIXELS as PIXELS,
  controlBuffer,
  dataBuffer,
  helperWord,
  shardViews,
  taskPieces,
  taskShard,
  type ShardDims,
  type ShardViews,
} from './shards';
import { GLYPH_BUFFER as B, type FusedGlyphExports } from './wasmModule';

/** An engine's wasm instance as the shard code reads and writes it. */
export interface GlyphInstance {
  readonly wasm: FusedGlyphExports;
  readonly settings: Readonly<WasmGlyphSettings>;
  readonly paddedSize: number;
  f32(id: number, n: number): Float32Array;
  i32(id: number, n: number): Int32Array;
}

/** What a helper thread is sent once per engine configuration (structured-cloneable). */
export interface ShardConfig {
  /** increases with every configuration; a helper serves only the latest */
  config: number;
  /** this helper's index (1..threads−1; 0 is the caller) */
  helper: number;
  threads: number;
  /** the engine's settings with the largest shard as its meta-batch, no pretrained baseline */
  settings: WasmGlyphSettings;
  dims: ShardDims;
  control: SharedArrayBuffer;
  data: SharedArrayBuffer;
}

/** The platform's handle on one helper thread. */
export interface GlyphHelper {
  post(message: ShardConfig): void;
}

/** One meta-step as the pool runs it: the per-task calls of algo word `code`, then `finish`. */
export interface ShardStep {
  /** the algo word: the classic algorithm's code, or MAMLPP_CODE (+ 1 first order) */
  code: number;
  inner: number;
  /** the classic algorithms' scalar inner rate */
  alpha: number;
  /** Reptile's mean, the meta-loss, Adam, the pretrained step; `loss`: the tasks' summed in task order */
  finish(loss: number): number;
}

const ATTACH_LIMIT_MS = 120_000;
/** a helper that has not finished its shard by then is taken for dead (the caller cannot hear its exit) */
const STEP_LIMIT_MS = 120_000;

/** Blocks until control word `at` satisfies `ok`, or throws after `limitMs`. */
function waitFor(
  c: Int32Array,
  at: number,
  ok: (v: number) => boolean,
  limitMs: number,
  what: string,
): number {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = Atomics.load(c, at);
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`fused glyph engine: ${what} timed out`);
    Atomics.wait(c, at, v, 200);
  }
}

/** Helper threads for fused glyph engines; one engine at a time uses them (the latest to step). */
export class GlyphThreadPool {
  private readonly control: SharedArrayBuffer;
  private readonly words: Int32Array;
  private owner: FusedGlyphExports | null = null;
  private views: ShardViews | null = null;
  private configs = 0;

  /** `close` ends the helper threads (dispose) */
  constructor(
    private readonly helpers: readonly GlyphHelper[],
    private readonly close: () => void = () => undefined,
  ) {
    this.control = controlBuffer(helpers.length + 1);
    this.words = new Int32Array(this.control);
  }

  /** threads that compute tasks, the caller included */
  get threads(): number {
    return this.helpers.length + 1;
  }

  /**
   * A meta-step of the wasm module (the pieces of step() or mamlppStep(): begin, task and addTask
   * in task order, finish) with the tasks beyond the caller's shard computed by the helpers; the
   * batch is already in `inst`'s memory.
   */
  step(inst: GlyphInstance, b: ImageTaskBatch, s: ShardStep): number {
    const v = this.attach(inst);
    const { wasm, paddedSize: P } = inst;
    const [T, A] = [b.tasks, v.alpha.length];
    const [ns, nq] = [b.ways * b.shots, b.ways * b.query];
    const [, own] = taskShard(0, T, this.threads);
    v.theta.set(inst.f32(B.theta, P));
    if (A > 0) v.alpha.set(inst.f32(B.alpha, A));
    if (v.weights.length > 0) v.weights.set(inst.f32(B.weights, v.weights.length));
    v.xs.set(b.xs.subarray(own * ns * PIXELS, T * ns * PIXELS), own * ns * PIXELS);
    v.ys.set(b.ys.subarray(own * ns, T * ns), own * ns);
    v.xq.set(b.xq.subarray(own * nq * PIXELS, T * nq * PIXELS), own * nq * PIXELS);
    v.yq.set(b.yq.subarray(own * nq, T * nq), own * nq);
    const w = this.words;
    [w[CONTROL.tasks], w[CONTROL.support], w[CONTROL.query]] = [T, ns, nq];
    [w[CONTROL.inner], w[CONTROL.algo]] = [s.inner, s.code];
    new Float32Array(this.control)[CONTROL.alpha] = s.alpha;
    const generation = Atomics.add(w, CONTROL.generation, 1) + 1;
    Atomics.notify(w, CONTROL.generation);
    const pieces = taskPieces(wasm, s.code, s.inner, s.alpha);
    pieces.begin();
    let loss = 0;
    for (let t = 0; t < own; t++) {
      loss += pieces.task(t, T, ns, nq);
      pieces.add();
    }
    this.awaitHelpers(generation);
    const [taskTheta, taskAlpha] = [inst.f32(B.taskTheta, P), inst.f32(B.taskAlpha, A)];
    for (let t = own; t < T; t++) {
      taskTheta.set(v.gTheta.subarray(t * P, (t + 1) * P));
      if (A > 0) taskAlpha.set(v.gAlpha.subarray(t * A, (t + 1) * A));
      pieces.add();
      loss += v.loss[t] as number;
    }
    return s.finish(loss);
  }

  /** Ends the helper threads. */
  dispose(): void {
    this.owner = null;
    this.views = null;
    this.close();
  }

  private awaitHelpers(generation: number): void {
    for (let h = 1; h < this.threads; h++) {
      waitFor(
        this.words,
        helperWord(h, HELPER_WORDS.done),
        (v) => v === generation,
        STEP_LIMIT_MS,
        'a helper thread',
      );
      if (Atomics.load(this.words, helperWord(h, HELPER_WORDS.failed)) === generation)
        throw new Error(`fused glyph engine: helper thread ${h} failed (its error is on stderr)`);
    }
  }

  /** Configures the helpers for `inst` unless they already serve it; blocks until they are ready. */
  private attach(inst: GlyphInstance): ShardViews {
    if (this.owner === inst.wasm && this.views) return this.views;
    const s = inst.settings;
    const dims: ShardDims = {
      paddedSize: inst.paddedSize,
      maxTasks: s.maxTasks,
      support: s.ways * s.shots,
      query: s.ways * s.query,
      alpha: s.algo === 'metasgd' ? inst.paddedSize : s.algo === 'mamlpp' ? roundUp4(ratesLength(s)) : 0,
      weights: s.algo === 'mamlpp' ? LSLR_STEPS : 0,
    };
    const data = dataBuffer(dims);
    const config = ++this.configs;
    const settings = { ...s, hidden: [...s.hidden], maxTasks: Math.ceil(s.maxTasks / this.threads) };
    this.helpers.forEach((h, i) =>
      h.post({ config, helper: i + 1, threads: this.threads, settings, dims, control: this.control, data }),
    );
    for (let h = 1; h < this.threads; h++) {
      const at = helperWord(h, HELPER_WORDS.ready);
      const ready = waitFor(
        this.words,
        at,
        (v) => v === config || v === -config,
        ATTACH_LIMIT_MS,
        'starting a helper thread',
      );
      if (ready !== config)
        throw new Error(`fused glyph engine: helper thread ${h} could not start (see stderr)`);
    }
    this.owner = inst.wasm;
    this.views = shardViews(data, dims);
    return this.views;
  }
}

const roundUp4 = (n: number) => Math.ceil(n / 4) * 4;

let installed: GlyphThreadPool | null = null;

/** The pool fused glyph engines use unless told otherwise (null: one thread). */
export function installGlyphThreads(pool: GlyphThreadPool | null): void {
  installed = pool;
}

export function installedGlyphThreads(): GlyphThreadPool | null {
  return installed;
}
