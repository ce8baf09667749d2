/**
 * Whether a glyph network and batch fit the fused WebGPU engine under a device's limits, and how
 * one step is split into dispatches: task chunks (tasks per per-task dispatch) and, for a task
 * whose meta-step alone is over the per-dispatch work limit, phases (phases.ts).
 */
import { byteSize, DEFAULT_LIMITS, type FusedLimits } from '../webgpu/layout';
import type { GlyphAlgo } from '../fusedGlyph/mamlpp';
import {
  FLAT_WORKGROUP,
  batchStride,
  geometry,
  glyphRow,
  glyphStepMacs,
  type GlyphNet,
  type RowShape,
} from './layout';
import { onePhase, planPhases, taskOps, type PhasePlan } from './phases';

/** Storage buffers bound by the widest program (per-task: output, θ, α, batch). */
const STORAGE_BINDINGS = 4;

/** The settings the device checks need. */
export interface GlyphFitSettings extends GlyphNet, RowShape {
  tasks: number;
  workgroup: number;
  /** most multiply-adds one dispatch may take (the browser's watchdog) */
  maxMacs: number;
}

/** Multiply-adds in 10⁹, to two significant digits. */
const giga = (macs: number): string => String(Number((macs / 1e9).toPrecision(2)));

/**
 * How a meta-step's per-task work is split into dispatches: `perChunk` tasks (workgroups) per
 * per-task dispatch, `chunks` such dispatches (each followed by one that adds its rows to the
 * running sums; see dispatchesPerStep), and each chunk's per-task program in the `phases` of
 * one task's operations (phases.ts; one phase: the whole task in one dispatch).
 */
export interface TaskChunks {
  perChunk: number;
  chunks: number;
  phases: PhasePlan;
}

export type GlyphFit = ({ ok: true } & TaskChunks) | { ok: false; reason: string };

/** WebGPU's defaults, lowered to the device's where it has less (what runs here runs everywhere). */
function cappedLimits(deviceLimits: FusedLimits): FusedLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const k of Object.keys(limits) as (keyof FusedLimits)[])
    limits[k] = Math.min(limits[k], deviceLimits[k]);
  return limits;
}

/**
 * The task chunks for a meta-batch of `s.tasks`: as many tasks per dispatch as both the storage
 * binding limit (their rows of the per-task buffer) and the per-dispatch work limit (their
 * multiply-adds) allow. Depends only on the network, the batch shape the engine holds and the
 * adapter's limits. The reason names the limit when one task alone is over it: its row over the
 * storage binding limit, or one piece of an operation that cannot be cut under the work limit.
 */
export function taskChunks(s: GlyphFitSettings, limits: FusedLimits): GlyphFit {
  const geo = geometry(s);
  const row = glyphRow(geo, s);
  const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const rowBytes = row.stride * 4;
  if (rowBytes > cap)
    return {
      ok: false,
      reason:
        `the per-task buffer needs ${byteSize(rowBytes, 2)} for one task (activations of ` +
        `${row.images} images, θ for ${s.inner} inner steps of ${geo.params} parameters), over the ` +
        `device's ${byteSize(cap)} storage binding limit`,
    };
  const taskMacs = glyphStepMacs(geo, s, 1);
  const ops = taskOps(geo, s, s.workgroup);
  if (taskMacs > s.maxMacs) {
    // one task per dispatch, in phases of its operations (an operation over the limit cut first)
    const phased = planPhases(ops, s.maxMacs);
    if (!phased.ok)
      return {
        ok: false,
        reason:
          `one task's ${phased.what} would be ${giga(phased.macs)}·10⁹ multiply-adds in one ` +
          `dispatch (limit ${giga(s.maxMacs)}·10⁹ on this adapter, so the browser never sees a hung GPU)`,
      };
    return { ok: true, perChunk: 1, chunks: s.tasks, phases: phased.plan };
  }
  const perChunk = Math.max(
    1,
    Math.min(s.tasks, Math.floor(cap / rowBytes), Math.floor(s.maxMacs / taskMacs)),
  );
  return { ok: true, perChunk, chunks: Math.ceil(s.tasks / perChunk), phases: onePhase(ops) };
}

/**
 * Whether a network and batch fit the engine under the device's limits, capped at WebGPU's
 * defaults, and in how many task chunks (taskChunks); the reason names the limit.
 */
export function fits(s: GlyphFitSettings, deviceLimits: FusedLimits = DEFAULT_LIMITS): GlyphFit {
  const limits = cappedLimits(deviceLimits);
  const wg = s.workgroup;
  if (wg > limits.maxComputeInvocationsPerWorkgroup || wg > limits.maxComputeWorkgroupSizeX)
    return { ok: false, reason: `workgroups of ${wg} invocations exceed the device's limit` };
  if (STORAGE_BINDINGS > limits.maxStorageBuffersPerShaderStage)
    return { ok: false, reason: `${STORAGE_BINDINGS} storage buffers per shader exceed the device's limit` };
  if (s.tasks > limits.maxComputeWorkgroupsPerDimension)
    return { ok: false, reason: `${s.tasks} task workgroups exceed maxComputeWorkgroupsPerDimension` };
  const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const batchBytes = s.tasks * batchStride(s) * 4;
  if (batchBytes > cap)
    return {
      ok: false,
      reason: `the batch needs ${byteSize(batchBytes)}, over the storage binding limit`,
    };
  const sections = s.algo === 'metasgd' ? 2 : 1;
  const opt = glyphRow(geometry(s), s);
  const flat = Math.ceil((sections * opt.params + opt.rates) / FLAT_WORKGROUP);
  if (flat > limits.maxComputeWorkgroupsPerDimension)
    return { ok: false, reason: `${flat} optimizer workgroups exceed maxComputeWorkgroupsPerDimension` };
  return taskChunks(s, limits);
}

/**
 * Dispatches of one meta-step: the per-task program, Adam's moments, one update per parameter
 * vector (θ, and Meta-SGD's α or MAML++'s rates), the mean loss. Split into `chunks` task chunks (taskChunks), the
 * per-task program runs once per chunk and phase, each chunk followed by the dispatch that adds
 * its rows to the running sums. Independent of anything a step changes: the count is fixed by the
 * algorithm, the chunk count and the phase count, which the network, the batch shape the engine
 * holds and the adapter's limits fix.
 */
export function dispatchesPerStep(algo: GlyphAlgo, chunks = 1, phases = 1): number {
  const perTask = chunks * phases + (chunks === 1 ? 0 : chunks);
  return perTask + 2 + (algo === 'metasgd' || algo === 'mamlpp' ? 2 : 1);
}
