/**
 * The helper-thread side of ./threads.ts: for each configuration an engine of its own (the same
 * wasm module), then per meta-step its shard of the tasks, each task's share of the meta-gradient
 * and query loss written to shared memory. A platform's worker entry hands every message it gets
 * to the function glyphShardServer() returns.
 */
import { FusedGlyphEngine } from './fusedGlyph';
import { thetaLayout } from './mamlpp';
import {
  CONTROL,
  HELPER_WORDS,
  SHARD_PIXELS as PIXELS,
  helperWord,
  shardViews,
  taskPieces,
  taskShard,
  type ShardViews,
} from './shards';
import type { GlyphInstance, ShardConfig } from './threads';
import { GLYPH_BUFFER as B, loadFusedGlyph } from './wasmModule';

type WaitAsync = (
  c: Int32Array,
  at: number,
  value: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };

/** Resolves once control word `at` is no longer `value`, leaving the thread's event loop free. */
async function changed(c: Int32Array, at: number, value: number): Promise<void> {
  const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;
  while (Atomics.load(c, at) === value) {
    const r = waitAsync(c, at, value);
    if (r.async) await r.value;
  }
}

/** Task shard `helper` of the meta-step the control block describes, into the data block. */
function computeShard(inst: GlyphInstance, v: ShardViews, c: Int32Array, cf: ShardConfig): void {
  const [T, ns, nq, S, code] = [
    CONTROL.tasks,
    CONTROL.support,
    CONTROL.query,
    CONTROL.inner,
    CONTROL.algo,
  ].map((at) => Atomics.load(c, at)) as [number, number, number, number, number];
  const alpha = new Float32Array(c.buffer)[CONTROL.alpha] as number;
  const [lo, hi] = taskShard(cf.helper, T, cf.threads);
  if (lo === hi) return;
  const { wasm, paddedSize: P } = inst;
  const A = v.alpha.length;
  inst.f32(B.theta, P).set(v.theta);
  if (A > 0) inst.f32(B.alpha, A).set(v.alpha);
  if (v.weights.length > 0) inst.f32(B.weights, v.weights.length).set(v.weights);
  const n = hi - lo;
  inst.f32(B.xs, n * ns * PIXELS).set(v.xs.subarray(lo * ns * PIXELS, hi * ns * PIXELS));
  inst.i32(B.ys, n * ns).set(v.ys.subarray(lo * ns, hi * ns));
  inst.f32(B.xq, n * nq * PIXELS).set(v.xq.subarray(lo * nq * PIXELS, hi * nq * PIXELS));
  inst.i32(B.yq, n * nq).set(v.yq.subarray(lo * nq, hi * nq));
  const pieces = taskPieces(wasm, code, S, alpha);
  pieces.begin();
  const [taskTheta, taskAlpha] = [inst.f32(B.taskTheta, P), inst.f32(B.taskAlpha, A)];
  for (let t = lo; t < hi; t++) {
    v.loss[t] = pieces.task(t - lo, T, ns, nq);
    v.gTheta.set(taskTheta, t * P);
    if (A > 0) v.gAlpha.set(taskAlpha, t * A);
  }
}

function signal(c: Int32Array, at: number, value: number): void {
  Atomics.store(c, at, value);
  Atomics.notify(c, at);
}

/** Serves one configuration until a later one arrives. */
async function serve(cf: ShardConfig, current: () => number): Promise<void> {
  const c = new Int32Array(cf.control);
  const word = (w: number) => helperWord(cf.helper, w);
  let engine: FusedGlyphEngine;
  try {
    await loadFusedGlyph();
    const theta0 = new Float32Array(thetaLayout(cf.settings).size);
    engine = FusedGlyphEngine.createSync(cf.settings, theta0, { threads: null });
  } catch (e) {
    console.error(`fused glyph helper thread ${cf.helper}:`, e);
    signal(c, word(HELPER_WORDS.ready), -cf.config);
    return;
  }
  const views = shardViews(cf.data, cf.dims);
  let seen = Atomics.load(c, CONTROL.generation);
  signal(c, word(HELPER_WORDS.ready), cf.config);
  for (;;) {
    await changed(c, CONTROL.generation, seen);
    if (current() !== cf.config) return engine.dispose();
    seen = Atomics.load(c, CONTROL.generation);
    try {
      computeShard(engine.instance, views, c, cf);
    } catch (e) {
      console.error(`fused glyph helper thread ${cf.helper}:`, e);
      Atomics.store(c, word(HELPER_WORDS.failed), seen);
    }
    signal(c, word(HELPER_WORDS.done), seen);
  }
}

/** A message handler for a helper thread: each ShardConfig replaces the one before. */
export function glyphShardServer(): (message: ShardConfig) => void {
  let current = 0;
  return (cf) => {
    current = cf.config;
    void serve(cf, () => current);
  };
}
