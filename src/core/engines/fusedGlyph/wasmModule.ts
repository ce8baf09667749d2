import { FUSED_GLYPH_WASM_BASE64 } from '../fused/generated/fusedGlyphWasm';
import { WasmModuleLoader } from '../fused/wasmLoader';

/** The exports of the AssemblyScript module (./assembly/index.ts). */
export interface FusedGlyphExports {
  memory: WebAssembly.Memory;
  init(
    conv: number,
    batchNorm: number,
    layers: number,
    w1: number,
    w2: number,
    w3: number,
    w4: number,
    ways: number,
    tMax: number,
    supportMax: number,
    queryMax: number,
    steps: number,
    pretrainedWays: number,
  ): number;
  pretrainedSize(): number;
  step(
    tasks: number,
    support: number,
    query: number,
    inner: number,
    alpha: number,
    beta: number,
    flags: number,
  ): number;
  /** the pieces of step(), for a meta-batch split over threads (see ./threads.ts) */
  begin(alpha: number): void;
  task(t: number, tasks: number, support: number, query: number, inner: number, algo: number): number;
  addTask(algo: number): void;
  finish(tasks: number, support: number, query: number, loss: number, beta: number, flags: number): number;
  addr(id: number): number;
  /** the query accuracy and loss of task t after 0..steps inner steps from θ, into SCORE */
  score(t: number, support: number, query: number, steps: number, vectorRate: number): void;
  scoreStepsLimit(): number;
  /** MAML++ (../assembly/mamlpp.ts): after init, θ's buffers hold the sets; returns θ's padded length */
  initMamlpp(): number;
  mamlppTensors(): number;
  mamlppStep(
    tasks: number,
    support: number,
    query: number,
    inner: number,
    beta: number,
    pretrainedBeta: number,
    flags: number,
  ): number;
  /** mamlppStep()'s pieces, for a meta-batch split over threads (see ./threads.ts) */
  mamlppBegin(): void;
  mamlppTask(
    t: number,
    tasks: number,
    support: number,
    query: number,
    inner: number,
    firstOrder: number,
  ): number;
  mamlppAddTask(): void;
  mamlppFinish(
    tasks: number,
    support: number,
    query: number,
    loss: number,
    beta: number,
    pretrainedBeta: number,
    flags: number,
  ): number;
  scoreMamlpp(t: number, support: number, query: number, steps: number, rows: number): void;
}

/** Buffer ids understood by addr(); in step with the constants in ./assembly/index.ts. */
export const GLYPH_BUFFER = {
  theta: 0,
  alpha: 1,
  mTheta: 2,
  vTheta: 3,
  mAlpha: 4,
  vAlpha: 5,
  gTheta: 6,
  gAlpha: 7,
  xs: 8,
  ys: 9,
  xq: 10,
  yq: 11,
  result: 12,
  counters: 13,
  pre: 14,
  mPre: 15,
  vPre: 16,
  gPre: 17,
  yPre: 18,
  taskTheta: 19,
  taskAlpha: 20,
  score: 21,
  spread: 22,
  weights: 23,
} as const;

const wasmModule = new WasmModuleLoader<FusedGlyphExports>(
  FUSED_GLYPH_WASM_BASE64,
  'fused glyph engine',
  'loadFusedGlyph',
);

/** Compile the module once per process or worker (asynchronously); later instances are synchronous. */
export function loadFusedGlyph(): Promise<void> {
  return wasmModule.load();
}

/** Whether loadFusedGlyph() has finished, so engines can be made synchronously. */
export function fusedGlyphLoaded(): boolean {
  return wasmModule.isLoaded;
}

/** A fresh instance (own memory) of the loaded module. */
export function instantiateFusedGlyphSync(): FusedGlyphExports {
  return wasmModule.instantiate();
}
