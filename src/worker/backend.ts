/**
 * Picking a tfjs backend inside the worker. `tf.setBackend` can resolve false (or throw) and leave
 * tfjs on another backend, so the answer is always read back with `tf.getBackend()`.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  candidates,
  raceLabel,
  type AutoChoice,
  type BackendName,
  type BackendRequest,
  type Engine,
  type RaceEntry,
} from './protocol';

interface GpuLike {
  requestAdapter(): Promise<unknown>;
}

let wasmPathSet = false;

/** Why WebGPU cannot be used here, or null when an adapter is available. */
async function webgpuProblem(): Promise<string | null> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
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

/** What the speed probe needs of a run: a meta-step and disposal (sinusoid or glyph runs). */
export interface SteppingRun {
  step(): { meta: tf.Tensor; pretrained: tf.Tensor | null };
  /** compile and check before the first step (the fused WebGPU engine); rejects with the reason */
  prepare?(): Promise<void>;
  dispose(): void;
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
 * ahead of the clock.
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
        const l = run.step();
        losses.push(l.meta);
        if (l.pretrained) losses.push(l.pretrained);
      }
      const stacked = tf.stack(losses);
      await stacked.data();
      tf.dispose([stacked, ...losses]);
    };
    if (options.warmup > 0) await group(options.warmup);
    const t0 = performance.now();
    let steps = 0;
    do {
      await group(options.group);
      steps += options.group;
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

/** timed steps before a contender far behind the leader may stop */
const MIN_TIMED = 3;
/**
 * "Far behind": a tenth of the leader's rate. WebGPU tfjs is not timed when WebGPU fused, the same
 * meta-step in at most 7 dispatches instead of ~270 kernels on the same device, is this far behind.
 */
export const OUTPACED = 10;

const sleep = (ms: number) => new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), ms));

/**
 * Meta-steps per second of a throwaway run on the current backend, but never waiting past
 * `deadlineMs`: a step still running then (a software GPU can take seconds for one) is left to
 * finish on its own and the rate is reported as at most one step per elapsed time. One warm-up
 * step (shader compilation) is not timed. Against a `leader` (the best rate measured so far) the
 * clock stops after MIN_TIMED steps once the rate is an order of magnitude behind it: more steps
 * would not change the choice.
 */
export async function measureWithDeadline(
  makeRun: () => SteppingRun,
  deadlineMs: number,
  maxSteps = 8,
  leader = 0,
): Promise<{ rate: number; bounded: boolean }> {
  const run = makeRun();
  const t0 = performance.now();
  let timedFrom = -1;
  let steps = 0;
  for (;;) {
    const l = run.step();
    const losses = l.pretrained ? [l.meta, l.pretrained] : [l.meta];
    const done = Promise.all(losses.map((t) => t.data()));
    const outcome = await Promise.race([
      done.then(() => 'done' as const),
      sleep(deadlineMs - (performance.now() - t0)),
    ]);
    if (outcome === 'late') {
      // the step is still queued on the device: free it, and the run, once it completes
      void done.finally(() => {
        tf.dispose(losses);
        run.dispose();
      });
      const elapsed = performance.now() - (timedFrom >= 0 ? timedFrom : t0);
      return { rate: steps > 0 ? steps / (elapsed / 1000) : 1000 / elapsed, bounded: steps === 0 };
    }
    tf.dispose(losses);
    if (timedFrom < 0) timedFrom = performance.now();
    else steps += 1;
    const elapsed = performance.now() - timedFrom;
    if (steps >= maxSteps || (steps > 0 && elapsed > deadlineMs / 3)) break;
    if (steps >= MIN_TIMED && (steps / elapsed) * 1000 * OUTPACED < leader) break;
  }
  run.dispose();
  return { rate: steps / ((performance.now() - timedFrom) / 1000), bounded: false };
}

/**
 * "auto": time each contender on a throwaway run of the real workload (the fused engine where the
 * family has one, on wasm and on WebGPU; tfjs on wasm and on WebGPU where an adapter exists) and
 * pick the fastest; tfjs is left on `current` (the caller moves the real run when the winner
 * differs).
 */
export async function raceBackends(
  makeRun: (engine: Engine) => SteppingRun,
  current: BackendName,
  budgets: { wasm: ProbeOptions; webgpuDeadlineMs: number },
  contenders: { fused: boolean; webgpu: boolean },
): Promise<AutoChoice> {
  const entries: RaceEntry[] = [];
  const fallback: RaceEntry = { backend: current, engine: 'tfjs', rate: 0, bounded: false };
  const leader = () => leaderOf(entries, fallback);
  try {
    if ((await tf.setBackend('wasm')) && tf.getBackend() === 'wasm') {
      if (contenders.fused) {
        const rate = await measureStepsPerSecond(() => makeRun('fused'), { ...budgets.wasm, maxSteps: 400 });
        entries.push({ backend: 'wasm', engine: 'fused', rate, bounded: false });
      }
      const rate = await measureStepsPerSecond(() => makeRun('tfjs'), budgets.wasm);
      entries.push({ backend: 'wasm', engine: 'tfjs', rate, bounded: false });
    }
  } catch {
    // wasm could not start or run: it simply does not compete
  }
  const skipped: NonNullable<AutoChoice['skipped']> = [];
  try {
    if (contenders.webgpu && (await tf.setBackend('webgpu')) && tf.getBackend() === 'webgpu') {
      // the fused engine first: a late tfjs step left on the queue would hold up its compilation
      if (contenders.fused) {
        // the fused WGSL meta-step: its programs are compiled and checked before the clock starts
        const run = makeRun('fused');
        const late = `its programs took over ${budgets.webgpuDeadlineMs / 1000} s to compile`;
        const problem = await Promise.race([
          (run.prepare?.() ?? Promise.resolve()).then(
            () => null,
            (e: unknown) => (e instanceof Error ? e.message : String(e)),
          ),
          sleep(budgets.webgpuDeadlineMs).then(() => late),
        ]);
        if (problem) {
          run.dispose();
          skipped.push({ backend: 'webgpu', engine: 'fused', reason: problem });
        } else {
          const f = await measureWithDeadline(() => run, budgets.webgpuDeadlineMs, 24, leader().rate);
          entries.push({ backend: 'webgpu', engine: 'fused', rate: f.rate, bounded: f.bounded });
        }
      }
      const outpaced = tfjsOutpaced(entries);
      if (outpaced) skipped.push({ backend: 'webgpu', engine: 'tfjs', reason: outpaced });
      else {
        const r = await measureWithDeadline(
          () => makeRun('tfjs'),
          budgets.webgpuDeadlineMs,
          8,
          leader().rate,
        );
        entries.push({ backend: 'webgpu', engine: 'tfjs', rate: r.rate, bounded: r.bounded });
      }
    }
  } catch {
    // a shader that fails to compile or a lost device: WebGPU does not compete
  }
  await tf.setBackend(current);
  if (tf.getBackend() !== current)
    throw new Error(`could not return to ${current} after timing the backends`);
  const winner = leader();
  return skipped.length > 0 ? { entries, winner, skipped } : { entries, winner };
}

/** The fastest contender measured, or `fallback` while none has a positive rate. */
function leaderOf(entries: readonly RaceEntry[], fallback: RaceEntry): RaceEntry {
  return entries.reduce((best, e) => (e.rate > best.rate ? e : best), fallback);
}

/**
 * Why WebGPU tfjs need not be timed, or null: WebGPU fused (the same meta-step on the same device
 * in a few dispatches) was already measured OUTPACED times or more behind the leader. On the
 * software adapter tfjs's first step alone outlasts the 6 s deadline while WebGPU fused runs
 * ~20 steps/s against the fused WebAssembly engine's ~700.
 */
export function tfjsOutpaced(entries: readonly RaceEntry[]): string | null {
  const fused = entries.find((e) => e.backend === 'webgpu' && e.engine === 'fused');
  if (!fused) return null;
  const best = leaderOf(entries, fused);
  if (best === fused || fused.rate * OUTPACED >= best.rate) return null;
  const times = best.rate / Math.max(fused.rate, Number.MIN_VALUE);
  return `WebGPU fused, the same step in far fewer dispatches, was ${times >= 100 ? Math.round(times).toLocaleString('en-US') : times.toFixed(0)}× slower than ${raceLabel(best)}`;
}
