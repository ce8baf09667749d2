/**
 * A fused glyph meta-step split over threads: the calling thread computes the first shard of the
 * meta-batch's tasks while helper threads (each with its own instance of the same wasm module)
 * compute the others; then the caller adds every task's share in task order and runs Reptile's
 * mean, Adam and the pretrained step. Since each task's share depends only on θ, α and its images,
 * and the sum runs in the order of the single-call step(), θ and Adam's moments come out to the
 * bit whatever the thread count. The helpers are told per step through shared memory (Atomics),
 * so step() stays synchronous; a platform makes the helpers (src/cli/engineThreads.ts in Node) and runs glyphShardServer() in each.
 */
import type { ImageTaskBatch } from '../batch';
import type { FusedHyper } from '../fused/fusedMlp';
import type { WasmGlyphSettings } from './fusedGlyph';
import {
  CONTROL,
  HELPER_WORDS,
  SHARD_PIXELS as PIXELS,
  controlBuffer,
  dataBuffer,
  helperWord,
  shardViews,
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

const METASGD = 2;
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
   * step() of the wasm module (begin, task and addTask in task order, finish) with the tasks
   * beyond the caller's shard computed by the helpers; the batch is already in `inst`'s memory.
   */
  step(inst: GlyphInstance, b: ImageTaskBatch, hyper: FusedHyper, flags: number): number {
    const v = this.attach(inst);
    const { wasm, paddedSize: P } = inst;
    const T = b.tasks;
    const [ns, nq, algo] = [b.ways * b.shots, b.ways * b.query, flags & 3];
    const [, own] = taskShard(0, T, this.threads);
    v.theta.set(inst.f32(B.theta, P));
    if (v.alpha.length > 0) v.alpha.set(inst.f32(B.alpha, P));
    v.xs.set(b.xs.subarray(own * ns * PIXELS, T * ns * PIXELS), own * ns * PIXELS);
    v.ys.set(b.ys.subarray(own * ns, T * ns), own * ns);
    v.xq.set(b.xq.subarray(own * nq * PIXELS, T * nq * PIXELS), own * nq * PIXELS);
    v.yq.set(b.yq.subarray(own * nq, T * nq), own * nq);
    const w = this.words;
    [w[CONTROL.tasks], w[CONTROL.support], w[CONTROL.query]] = [T, ns, nq];
    [w[CONTROL.inner], w[CONTROL.algo]] = [hyper.inner, algo];
    new Float32Array(this.control)[CONTROL.alpha] = hyper.alpha;
    const generation = Atomics.add(w, CONTROL.generation, 1) + 1;
    Atomics.notify(w, CONTROL.generation);
    wasm.begin(hyper.alpha);
    let loss = 0;
    for (let t = 0; t < own; t++) {
      loss += wasm.task(t, T, ns, nq, hyper.inner, algo);
      wasm.addTask(algo);
    }
    this.awaitHelpers(generation);
    const [taskTheta, taskAlpha] = [inst.f32(B.taskTheta, P), inst.f32(B.taskAlpha, P)];
    for (let t = own; t < T; t++) {
      taskTheta.set(v.gTheta.subarray(t * P, (t + 1) * P));
      if (algo === METASGD) taskAlpha.set(v.gAlpha.subarray(t * P, (t + 1) * P));
      wasm.addTask(algo);
      loss += v.loss[t] as number;
    }
    return wasm.finish(T, ns, nq, loss, hyper.beta, flags);
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
      alpha: s.algo === 'metasgd',
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

let installed: GlyphThreadPool | null = null;

/** The pool fused glyph engines use unless told otherwise (null: one thread). */
export function installGlyphThreads(pool: GlyphThreadPool | null): void {
  installed = pool;
}

export function installedGlyphThreads(): GlyphThreadPool | null {
  return installed;
}
