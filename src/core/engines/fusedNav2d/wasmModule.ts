import { FUSED_NAV2D_WASM_BASE64 } from '../fused/generated/fusedNav2dWasm';
import { WasmModuleLoader } from '../fused/wasmLoader';

/** The exports of the AssemblyScript module (./assembly/index.ts). */
export interface FusedNav2dExports {
  memory: WebAssembly.Memory;
  init(
    h1: number,
    h2: number,
    h3: number,
    h4: number,
    count: number,
    tasks: number,
    trajs: number,
    slots: number,
  ): number;
  flatSize(): number;
  paddedSize(): number;
  addr(id: number): number;
  broadcast(slot: number, which: number, tasks: number): void;
  rollout(slot: number, thetaSlot: number, tasks: number, trajs: number): void;
  weights(slot: number, tasks: number, trajs: number): void;
  refresh(slot: number, thetaSlot: number, tasks: number, trajs: number): void;
  inner(slot: number, from: number, to: number, tasks: number, trajs: number, alpha: number): void;
  meta(
    inner: number,
    tasks: number,
    trajs: number,
    alpha: number,
    later: number,
    firstOrder: number,
    beta: number,
    apply: number,
    allSteps: number,
  ): void;
  joint(slot: number, thetaSlot: number, tasks: number, trajs: number, beta: number, apply: number): void;
  readTheta(slot: number, task: number): void;
  trpoKeep(slot: number, tasks: number, trajs: number): void;
  trpoHv(
    inner: number,
    tasks: number,
    trajs: number,
    alpha: number,
    later: number,
    firstOrder: number,
    allSteps: number,
  ): void;
  trpoCheck(inner: number, tasks: number, trajs: number, allSteps: number): void;
}

/** Buffer ids understood by addr(); in step with the constants in ./assembly/slots.ts. */
export const NAV2D_BUFFER = {
  theta: 0,
  mTheta: 1,
  vTheta: 2,
  pre: 3,
  mPre: 4,
  vPre: 5,
  grad: 6,
  noise: 7,
  goals: 8,
  obs: 9,
  act: 10,
  reward: 11,
  alive: 12,
  weight: 13,
  result: 14,
  counters: 15,
  eval: 16,
  vec: 17,
} as const;

const wasmModule = new WasmModuleLoader<FusedNav2dExports>(
  FUSED_NAV2D_WASM_BASE64,
  'fused 2-D navigation engine',
  'loadFusedNav2d',
);

/** Compile the module once per process or worker (asynchronously); later instances are synchronous. */
export function loadFusedNav2d(): Promise<void> {
  return wasmModule.load();
}

/** Whether loadFusedNav2d() has finished, so engines can be made synchronously. */
export function fusedNav2dLoaded(): boolean {
  return wasmModule.isLoaded;
}

/** A fresh instance (own memory) of the loaded module. */
export function instantiateFusedNav2dSync(): FusedNav2dExports {
  return wasmModule.instantiate();
}
