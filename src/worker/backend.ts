/**
 * Picking a tfjs backend inside the worker. `tf.setBackend` can resolve false (or throw) and leave
 * tfjs on another backend, so the answer is always read back with `tf.getBackend()`.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { candidates, type BackendName, type BackendRequest } from './protocol';

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

let wasmPathSet = false;

/** Why WebGPU cannot be used here, or null when an adapter is available. */
async function webgpuProblem(): Promise<string | null> {
  // (Node, where the host also runs in tests, may have no navigator at all)
  const nav = typeof navigator === 'undefined' ? undefined : navigator;
  const gpu = (nav as unknown as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return 'this browser has no WebGPU (navigator.gpu is missing)';
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'no WebGPU adapter (navigator.gpu.requestAdapter() returned null)';
  } catch (e) {
    return `requesting a WebGPU adapter failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  return null;
}

export interface BackendChoice {
  backend: BackendName;
  /** why earlier candidates were skipped, or null when the first choice worked */
  fallback: string | null;
}

export async function chooseBackend(request: BackendRequest, wasmPath: string): Promise<BackendChoice> {
  if (!wasmPathSet) {
    setWasmPaths(wasmPath);
    wasmPathSet = true;
  }
  const reasons: string[] = [];
  for (const name of candidates(request)) {
    if (name === 'webgpu') {
      const problem = await webgpuProblem();
      if (problem) {
        reasons.push(`WebGPU unavailable: ${problem}`);
        continue;
      }
    }
    let ok = false;
    try {
      ok = await tf.setBackend(name);
      await tf.ready();
    } catch (e) {
      reasons.push(`${name} failed to start: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (ok && tf.getBackend() === name) {
      return { backend: name, fallback: reasons.length > 0 ? reasons.join('; ') : null };
    }
    reasons.push(`${name} failed to start (tf.setBackend resolved false)`);
  }
  throw new Error(`no tfjs backend could be started: ${reasons.join('; ')}`);
}

/** What the speed probe needs of a run: a meta-step and disposal (a run of any family). */
export interface SteppingRun {
  step(): { meta: tf.Tensor; pretrained: tf.Tensor | null };
  /** the same step with its mid-step reads awaited (FamilyRun.stepAsync), where the run has one */
  stepAsync?(): Promise<{ meta: tf.Tensor; pretrained: tf.Tensor | null }>;
  /** compile and check before the first step (the fused WebGPU engine); rejects with the reason */
  prepare?(): Promise<void>;
  dispose(): void;
}

/** One step of a probed run: awaited reads where it has them (no blocking read-back), else `step`. */
export function probeStep(run: SteppingRun): Promise<{ meta: tf.Tensor; pretrained: tf.Tensor | null }> {
  return run.stepAsync ? run.stepAsync() : Promise.resolve(run.step());
}

export interface ProbeOptions {
  /** time spent on timed steps (at least one group always runs) */
  budgetMs: number;
  /** untimed warm-up steps (shader compilation, kernel caches) */
  warmup: number;
  /** steps per timed group; each group's losses are read back before the clock stops */
  group: number;
  maxSteps: number;
}

const SINUSOID_PROBE: ProbeOptions = { budgetMs: 1500, warmup: 2, group: 4, maxSteps: 40 };

/**
 * Meta-steps per second of a throwaway run on the current backend: warm-up steps, then up to
 * `budgetMs` of timed steps in groups, reading each group's losses so the GPU queue cannot run
 * ahead of the clock. A slow workload (a warm-up step longer than `budgetMs / group`) stops
 * warming up there and is timed one step at a time, so a heavy network costs a few steps, not
 * `warmup + group` of them.
 */
export async function measureStepsPerSecond(
  makeRun: () => SteppingRun,
  options: ProbeOptions = SINUSOID_PROBE,
): Promise<number> {
  const run = makeRun();
  try {
    const group = async (n: number) => {
      const losses: tf.Tensor[] = [];
      for (let i = 0; i < n; i++) {
        const l = await probeStep(run);
        losses.push(l.meta);
        if (l.pretrained) losses.push(l.pretrained);
      }
      const stacked = tf.stack(losses);
      await stacked.data();
      tf.dispose([stacked, ...losses]);
    };
    let size = options.group;
    for (let i = 0; i < options.warmup; i++) {
      const w0 = performance.now();
      await group(1);
      if ((performance.now() - w0) * options.group > options.budgetMs) {
        size = 1;
        break;
      }
    }
    const t0 = performance.now();
    let steps = 0;
    do {
      await group(size);
      steps += size;
    } while (steps < options.maxSteps && performance.now() - t0 < options.budgetMs);
    return steps / ((performance.now() - t0) / 1000);
  } finally {
    run.dispose();
  }
}

/**
 * Start wasm next to WebGPU (for the comparison and for small read-only work) and measure it on
 * this model, then switch back to WebGPU. Returns null when wasm cannot start.
 */
export async function measureWasmBeside(
  makeRun: () => SteppingRun,
  options: ProbeOptions = { ...SINUSOID_PROBE, budgetMs: 1000 },
): Promise<number | null> {
  let rate: number | null = null;
  try {
    if ((await tf.setBackend('wasm')) && tf.getBackend() === 'wasm') {
      rate = await measureStepsPerSecond(makeRun, options);
    }
  } catch {
    rate = null;
  }
  await tf.setBackend('webgpu');
  if (tf.getBackend() !== 'webgpu') throw new Error('could not switch back to WebGPU after starting wasm');
  return rate;
}

/** Whether WebGPU could be used here (an adapter exists); the reason when not. */
export async function webgpuAvailable(): Promise<{ ok: boolean; why: string | null }> {
  const problem = await webgpuProblem();
  return { ok: problem === null, why: problem };
}
