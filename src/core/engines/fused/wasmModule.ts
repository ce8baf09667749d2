import { FUSED_WASM_BASE64 } from './generated/fusedWasm';
import { WasmModuleLoader } from './wasmLoader';

/** The exports of the AssemblyScript module (./assembly/index.ts). */
export interface FusedExports {
  memory: WebAssembly.Memory;
  init(
    h1: number,
    h2: number,
    h3: number,
    h4: number,
    nHidden: number,
    tMax: number,
    kMax: number,
    qMax: number,
    steps: number,
  ): number;
  step(
    tasks: number,
    k: number,
    q: number,
    inner: number,
    alpha: number,
    beta: number,
    flags: number,
    /** the pretrained baseline's rate (MAML++'s cosine β is θ's alone) */
    jointBeta: number,
  ): number;
  addr(id: number): number;
}

/** Buffer ids understood by addr(); in step with the constants in ./assembly/index.ts. */
export const BUFFER = {
  theta: 0,
  alpha: 1,
  mTheta: 2,
  vTheta: 3,
  mAlpha: 4,
  vAlpha: 5,
  pre: 6,
  mPre: 7,
  vPre: 8,
  gTheta: 9,
  gAlpha: 10,
  gPre: 11,
  xs: 12,
  ys: 13,
  xq: 14,
  yq: 15,
  result: 16,
  counters: 17,
  rates: 18,
  mRates: 19,
  vRates: 20,
  gRates: 21,
  weights: 22,
} as const;

const wasmModule = new WasmModuleLoader<FusedExports>(FUSED_WASM_BASE64, 'fused engine', 'loadFused');

/** Compile the module once per process or worker (asynchronously); later instances are synchronous. */
export function loadFused(): Promise<void> {
  return wasmModule.load();
}

/** Whether loadFused() has finished, so engines can be made synchronously. */
export function fusedLoaded(): boolean {
  return wasmModule.isLoaded;
}

/** A fresh instance (own memory) of the loaded module. */
export function instantiateFusedSync(): FusedExports {
  return wasmModule.instantiate();
}

/** A fresh instance (own memory) of the module, compiled once per process or worker. */
export async function instantiateFused(): Promise<FusedExports> {
  await loadFused();
  return instantiateFusedSync();
}
