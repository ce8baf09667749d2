/**
 * Auto mode's race: every contender (the family's fused engine on the backends it runs on, tfjs,
 * on wasm and on WebGPU) is timed on a throwaway copy of the real workload, and training moves to
 * the fastest. A family whose fused engine does not run on WebGPU first times a small device
 * probe, the probe family's fused meta-step (core/families/registry.ts's PROBE_TASK) on both
 * backends: a device an order of magnitude behind wasm on it is not raced with tfjs's slow WebGPU
 * steps (seconds each on a software adapter).
 */
import * as tf from '@tensorflow/tfjs';
import { loadFused } from '../core/engines/fused/wasmModule';
import { PROBE_TASK } from '../core/families/registry';
import { measureStepsPerSecond, probeStep, type ProbeOptions, type SteppingRun } from './backend';
import { formatRate, raceLabel } from '../core/wording/rates';
import { type AutoChoice, type BackendName, type DeviceProbe, type Engine, type RaceEntry } from './protocol';
import { boundVerdict, OUTPACED, predictFullStep } from './stepBound';

export { OUTPACED } from './stepBound';

/** timed steps before a contender far behind the leader may stop */
const MIN_TIMED = 3;

/** The device probe's wasm side: the fused step takes about a millisecond there. */
const PROBE_WASM: ProbeOptions = { budgetMs: 300, warmup: 2, group: 4, maxSteps: 400 };

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
    const l = await probeStep(run);
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
 * The fused WGSL meta-step (WebGPU must be the current backend): its programs are compiled and
 * checked before the clock starts, then it is timed against `leader`. Returns the reason instead
 * when it could not compile within the deadline.
 */
async function timeWebgpuFused(
  run: SteppingRun,
  deadlineMs: number,
  leader: number,
): Promise<{ rate: number; bounded: boolean } | { problem: string }> {
  const late = `its programs took over ${deadlineMs / 1000} s to compile`;
  const problem = await Promise.race([
    (run.prepare?.() ?? Promise.resolve()).then(
      () => null,
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    ),
    sleep(deadlineMs).then(() => late),
  ]);
  if (problem === null) return measureWithDeadline(() => run, deadlineMs, 24, leader);
  run.dispose();
  return { problem };
}

async function backTo(current: BackendName): Promise<void> {
  await tf.setBackend(current);
  if (tf.getBackend() !== current)
    throw new Error(`could not return to ${current} after timing the backends`);
}

/**
 * Time the device probe (`makeProbe`: the probe family's fused meta-step, the same small workload on
 * both backends) on wasm, then on WebGPU against it, and return to `current`. The fused module is
 * loaded here, not at start-up, in a family that has no fused engine of its own. Null when either
 * side could not run it (then nothing is concluded from it).
 */
export async function probeDevice(
  makeProbe: (engine: Engine) => SteppingRun,
  current: BackendName,
  deadlineMs: number,
): Promise<DeviceProbe | null> {
  let probe: DeviceProbe | null = null;
  try {
    await loadFused();
    if ((await tf.setBackend('wasm')) && tf.getBackend() === 'wasm') {
      const wasm = await measureStepsPerSecond(() => makeProbe('fused'), PROBE_WASM);
      if ((await tf.setBackend('webgpu')) && tf.getBackend() === 'webgpu') {
        const gpu = await timeWebgpuFused(makeProbe('fused'), deadlineMs, wasm);
        if ('rate' in gpu) probe = { wasm, webgpu: gpu.rate, bounded: gpu.bounded };
      }
    }
  } catch {
    probe = null;
  }
  await backTo(current);
  return probe;
}

/**
 * Which implementations compete: the family's fused engine (on wasm; also on WebGPU), WebGPU, and
 * tfjs kernels (absent: true; false when the page asked for the fused engine only).
 */
export interface Contenders {
  fused: boolean;
  fusedWebgpu: boolean;
  webgpu: boolean;
  tfjs?: boolean;
}

/** A throwaway copy of the workload on `engine`, at meta-batch `batch` (absent: the real one). */
export type MakeRun = (engine: Engine, batch?: number) => SteppingRun;

/** The race's time limits, and what the real run already tells about the workload. */
export interface RaceBudgets {
  wasm: ProbeOptions;
  webgpuDeadlineMs: number;
  /** the workload's meta-batch, for bounding wasm tfjs's step (absent: it is timed unbounded) */
  batch?: number;
  /** the contender training now, at the rate its training chunks measured: not timed again */
  trained?: RaceEntry;
}

/** Why WebGPU need not be raced on this workload after the device probe, or null. */
export function probeOutpaced(probe: DeviceProbe | null): string | null {
  if (!probe || probe.webgpu * OUTPACED >= probe.wasm) return null;
  const times = probe.wasm / Math.max(probe.webgpu, Number.MIN_VALUE);
  return `a probe of this device (the fused ${PROBE_TASK} meta-step on both) ran ${timesText(times)}× slower on WebGPU than on wasm: ${probe.bounded ? 'under ' : ''}${formatRate(probe.webgpu)} against ${formatRate(probe.wasm)} steps/s`;
}

type Skipped = NonNullable<AutoChoice['skipped']>;

/**
 * "auto": time each contender on a throwaway run of the real workload (the family's fused engine
 * on wasm, and on WebGPU where it runs there; tfjs on wasm and on WebGPU where an adapter exists)
 * and pick the fastest; tfjs is left on `current` (the caller moves the real run when the winner
 * differs). Every contender's cost is bounded before it runs: wasm tfjs by a prediction from
 * meta-batch 1 and 2 (`predictFullStep`, when `budgets.batch` is given), WebGPU by a deadline.
 * With a `probe` that puts WebGPU an order of magnitude behind wasm, WebGPU tfjs is not timed; a
 * family without a fused engine then has one contender left, wasm tfjs, chosen untimed.
 */
export async function raceBackends(
  makeRun: MakeRun,
  current: BackendName,
  budgets: RaceBudgets,
  contenders: Contenders,
  probe: DeviceProbe | null = null,
): Promise<AutoChoice> {
  const tfjs = contenders.tfjs !== false;
  const outpaced = tfjs && !contenders.fusedWebgpu && contenders.webgpu ? probeOutpaced(probe) : null;
  if (outpaced && probe && !contenders.fused) {
    const winner: RaceEntry = { backend: 'wasm', engine: 'tfjs', rate: 0, bounded: false, untimed: true };
    return { entries: [], winner, skipped: [{ backend: 'webgpu', engine: 'tfjs', reason: outpaced }], probe };
  }
  const entries: RaceEntry[] = [];
  const skipped: Skipped = [];
  await raceWasm(makeRun, budgets, contenders, entries, skipped);
  if (outpaced) skipped.push({ backend: 'webgpu', engine: 'tfjs', reason: outpaced });
  if (contenders.webgpu && !outpaced) await raceWebgpu(makeRun, budgets, contenders, entries, skipped);
  await backTo(current);
  const engine: Engine = !tfjs && contenders.fused ? 'fused' : 'tfjs';
  const winner = leaderOf(entries, { backend: current, engine, rate: 0, bounded: false });
  const choice: AutoChoice = skipped.length > 0 ? { entries, winner, skipped } : { entries, winner };
  return probe ? { ...choice, probe } : choice;
}

/** The wasm contenders: the fused engine, then tfjs within its predicted bound. */
async function raceWasm(
  makeRun: MakeRun,
  budgets: RaceBudgets,
  contenders: Contenders,
  entries: RaceEntry[],
  skipped: Skipped,
): Promise<void> {
  try {
    if (!((await tf.setBackend('wasm')) && tf.getBackend() === 'wasm')) return;
    const trained = budgets.trained;
    if (contenders.fused && trained?.backend === 'wasm' && trained.engine === 'fused') entries.push(trained);
    else if (contenders.fused) {
      const rate = await measureStepsPerSecond(() => makeRun('fused'), { ...budgets.wasm, maxSteps: 400 });
      entries.push({ backend: 'wasm', engine: 'fused', rate, bounded: false });
    }
    if (contenders.tfjs === false) return;
    const options = await boundedOptions(makeRun, budgets, leaderOf(entries, null)?.rate ?? 0);
    if ('reason' in options) {
      skipped.push({ backend: 'wasm', engine: 'tfjs', reason: options.reason });
      return;
    }
    const rate = await measureStepsPerSecond(() => makeRun('tfjs'), options);
    entries.push({ backend: 'wasm', engine: 'tfjs', rate, bounded: false });
  } catch {
    // wasm could not start or run: it simply does not compete
  }
}

/**
 * How to time wasm tfjs, whose steps cannot be interrupted: its full step is predicted first
 * (without `budgets.batch`, the budget as given); a prediction over the ceiling or far behind
 * `leader` is a reason to skip it, and a slow one is timed on a single step.
 */
async function boundedOptions(
  makeRun: MakeRun,
  budgets: RaceBudgets,
  leader: number,
): Promise<ProbeOptions | { reason: string }> {
  if (budgets.batch === undefined) return budgets.wasm;
  const predicted = await predictFullStep((b) => makeRun('tfjs', b), budgets.batch);
  const reason = boundVerdict(predicted, leader);
  if (reason) return { reason };
  const o = budgets.wasm;
  if (predicted * (o.warmup + o.group) <= o.budgetMs) return o;
  // the scaled-down steps already warmed tfjs's kernels up
  return {
    budgetMs: o.budgetMs,
    warmup: 0,
    group: 1,
    maxSteps: Math.max(1, Math.floor(o.budgetMs / predicted)),
  };
}

/** The WebGPU contenders: the fused engine first, then tfjs unless the fused one puts it far behind. */
async function raceWebgpu(
  makeRun: MakeRun,
  budgets: RaceBudgets,
  contenders: Contenders,
  entries: RaceEntry[],
  skipped: Skipped,
): Promise<void> {
  const leader = () => leaderOf(entries, null)?.rate ?? 0;
  try {
    if (!((await tf.setBackend('webgpu')) && tf.getBackend() === 'webgpu')) return;
    // the fused engine first: a late tfjs step left on the queue would hold up its compilation
    if (contenders.fused && contenders.fusedWebgpu) {
      const f = await timeWebgpuFused(makeRun('fused'), budgets.webgpuDeadlineMs, leader());
      if ('problem' in f) skipped.push({ backend: 'webgpu', engine: 'fused', reason: f.problem });
      else entries.push({ backend: 'webgpu', engine: 'fused', rate: f.rate, bounded: f.bounded });
    }
    if (contenders.tfjs === false) return;
    const behind = tfjsOutpaced(entries);
    if (behind) {
      skipped.push({ backend: 'webgpu', engine: 'tfjs', reason: behind });
      return;
    }
    const r = await measureWithDeadline(() => makeRun('tfjs'), budgets.webgpuDeadlineMs, 8, leader());
    entries.push({ backend: 'webgpu', engine: 'tfjs', rate: r.rate, bounded: r.bounded });
  } catch {
    // a shader that fails to compile or a lost device: WebGPU does not compete
  }
}

/** The fastest contender measured, or `fallback` while none has a positive rate. */
function leaderOf<F extends RaceEntry | null>(entries: readonly RaceEntry[], fallback: F): RaceEntry | F {
  return entries.reduce<RaceEntry | F>((best, e) => (e.rate > (best?.rate ?? 0) ? e : best), fallback);
}

const timesText = (times: number) =>
  times >= 100 ? Math.round(times).toLocaleString('en-US') : times.toFixed(0);

/**
 * Why WebGPU tfjs need not be timed, or null: WebGPU fused (the same meta-step on the same device
 * in a few dispatches) was already measured OUTPACED times or more behind the leader (on a
 * software adapter tfjs's first step alone may outlast the race's WebGPU deadline).
 */
export function tfjsOutpaced(entries: readonly RaceEntry[]): string | null {
  const fused = entries.find((e) => e.backend === 'webgpu' && e.engine === 'fused');
  if (!fused) return null;
  const best = leaderOf(entries, fused);
  if (best === fused || fused.rate * OUTPACED >= best.rate) return null;
  const times = best.rate / Math.max(fused.rate, Number.MIN_VALUE);
  return `WebGPU fused, the same step in far fewer dispatches, was ${timesText(times)}× slower than ${raceLabel(best)}`;
}
