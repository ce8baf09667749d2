/**
 * Which implementation trains, for every family: the engine a forced backend trains on (that
 * backend's fastest: the family's fused meta-step where it runs there, else tfjs kernels), the
 * contenders auto mode races under the page's `engine=` setting, and the fused WGSL engine's
 * fallback to tfjs on WebGPU when it cannot run this network or batch here.
 */
import type { FamilyRun, TaskFamily } from '../../core/families/family';
import type { Contenders } from '../race';
import type { BackendName, Engine, EngineRequest, FromWorker } from '../protocol';

/** Where the family's fused meta-step runs: WebAssembly (loaded), and WGSL on WebGPU. */
export interface FusedReach {
  wasm: boolean;
  webgpu: boolean;
}

/** An engine and, when the request could not be met, why (said once, as a notice). */
export interface EngineChoice {
  engine: Engine;
  notice: string | null;
}

/**
 * A forced backend's engine: `tfjs` keeps tfjs kernels; otherwise the fused engine where the
 * family runs it on this backend (WebAssembly on wasm, WGSL on WebGPU). The cpu backend is the
 * no-WebAssembly fallback: it always trains with tfjs kernels.
 */
export function forcedEngine(backend: BackendName, request: EngineRequest, fused: FusedReach): EngineChoice {
  if (request === 'tfjs') return { engine: 'tfjs', notice: null };
  const runs = backend === 'wasm' ? fused.wasm : backend === 'webgpu' ? fused.webgpu : false;
  if (runs) return { engine: 'fused', notice: null };
  if (request !== 'fused') return { engine: 'tfjs', notice: null };
  return {
    engine: 'tfjs',
    notice: `engine=fused: ${noFusedReason(backend, fused)}; training with tfjs kernels`,
  };
}

function noFusedReason(backend: BackendName | 'auto', fused: FusedReach): string {
  if (!fused.wasm) return 'this family has no fused engine that loads here';
  if (backend === 'cpu') return 'the cpu backend is the no-WebAssembly fallback, where only tfjs kernels run';
  return "this family's fused engine does not run on WebGPU";
}

/**
 * Auto mode's contenders under the engine request: `tfjs` races only tfjs kernels (wasm, and
 * WebGPU where an adapter exists), `fused` only the family's fused engines (tfjs where the family
 * has none, said once), `auto` all of them.
 */
export function autoContenders(
  request: EngineRequest,
  fused: FusedReach,
  webgpu: boolean,
): { contenders: Contenders; notice: string | null } {
  const fusedOk = request !== 'tfjs' && fused.wasm;
  const contenders: Contenders = {
    fused: fusedOk,
    fusedWebgpu: fusedOk && fused.webgpu,
    webgpu,
    tfjs: request !== 'fused' || !fused.wasm,
  };
  const notice =
    request === 'fused' && !fused.wasm
      ? `engine=fused: ${noFusedReason('auto', fused)}; training with tfjs kernels`
      : null;
  return { contenders, notice };
}

/** How many contenders the race would time: racing needs two. */
export function contenderCount(c: Contenders): number {
  const tfjs = c.tfjs === false ? 0 : c.webgpu ? 2 : 1;
  return tfjs + (c.fused ? 1 : 0) + (c.fused && c.fusedWebgpu && c.webgpu ? 1 : 0);
}

/**
 * Whether a run created with the fused engine on WebGPU really runs as WGSL programs: null when
 * it does, else why not. Its programs are compiled and checked first (`prepare`); a run that kept
 * its engine off the GPU (`onGpu` false: the network or batch is over the device's limits) counts
 * as one that cannot run.
 */
export async function fusedWebgpuProblem(run: FamilyRun): Promise<string | null> {
  try {
    await run.prepare?.();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  if (run.engine !== 'fused') return 'the fused engine is not available for this run';
  const onGpu = (run as { readonly onGpu?: boolean }).onGpu;
  if (onGpu === false)
    return "this network or meta-batch is over the WebGPU device's limits for the fused engine";
  return null;
}

/** Where the family's fused meta-step runs here (its WebAssembly module loaded once per worker). */
export async function fusedReach(family: TaskFamily): Promise<FusedReach> {
  const load = family.loadFusedEngine;
  const wasm =
    load !== undefined &&
    (await load().then(
      () => true,
      () => false,
    ));
  return { wasm, webgpu: wasm && family.fusedOnWebgpu === true };
}

/** The notice of a run moved from the fused WGSL engine to tfjs kernels (`why`: what it cannot do). */
export function fusedFallbackNotice(why: string): FromWorker {
  return {
    kind: 'notice',
    level: 'warning',
    message: `The fused WGSL engine ${why}; training with tfjs kernels on WebGPU instead, with θ, Adam's moments, the step and the curves kept.`,
    engine: 'tfjs',
  };
}
