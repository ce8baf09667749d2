import type { Algo } from '../../experiment';
import { LSLR_STEPS } from '../../meta/mamlppSchedule';

/**
 * Where everything lives for the fused WebGPU meta-step of the MLP regression family: the flat θ
 * layout (the same as Mlp's: W1 [in×out] row-major, b1, W2, b2, ...), and each workgroup's row of
 * the per-task buffer (its gradient outputs, its adapted θ after each inner step, and the
 * activations of one forward/backward pass). The WGSL generators bake these numbers in as
 * constants, so a row never computes an offset at run time it could get wrong.
 */
export interface FusedSettings {
  /** layer sizes [1, ...hidden, 1] */
  sizes: number[];
  algo: Algo;
  /** inner SGD steps */
  inner: number;
  /** tasks per meta-batch T */
  tasks: number;
  /** support points per task K */
  support: number;
  /** query points per task Q */
  query: number;
  /** the pretrained baseline's joint step rides in the same dispatches */
  pretrained: boolean;
  /** invocations per task workgroup (default TASK_WORKGROUP) */
  workgroup?: number;
  /** keep activations in workgroup memory where they fit (default true) */
  workgroupMemory?: boolean;
  /** each invocation computes 4 outputs of a layer at once where its width allows (default true) */
  blocked?: boolean;
}

/** The device limits the engine checks (a subset of GPUSupportedLimits, WebGPU defaults below). */
export interface FusedLimits {
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeWorkgroupsPerDimension: number;
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxStorageBuffersPerShaderStage: number;
}

/** The WebGPU specification's default limits: what every adapter offers without asking. */
export const DEFAULT_LIMITS: FusedLimits = {
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupsPerDimension: 65535,
  maxStorageBufferBindingSize: 134217728,
  maxBufferSize: 268435456,
  maxStorageBuffersPerShaderStage: 8,
};

/** The ranges the engine is written for (the app's own bounds are inside them). */
export const FUSED_RANGES = {
  hiddenLayers: [1, 4],
  width: [1, 256],
  tasks: [1, 100],
  support: [1, 50],
  query: [1, 100],
  inner: [1, 10],
} as const;

/** Invocations per workgroup of the per-task program: one task per workgroup. */
export const TASK_WORKGROUP = 64;
/** Invocations per workgroup of the elementwise programs (moments, updates). */
export const FLAT_WORKGROUP = 64;
/** Storage buffers bound by the widest program (per-task: output, θ, α, pretrained θ, batch). */
const STORAGE_BINDINGS = 5;

export interface MlpLayout {
  sizes: number[];
  layers: number;
  /** number of parameters P */
  params: number;
  /** offset of W_l and b_l in θ */
  wOff: number[];
  bOff: number[];
}

export function mlpLayout(sizes: readonly number[]): MlpLayout {
  const wOff: number[] = [];
  const bOff: number[] = [];
  let o = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const a = sizes[l] as number;
    const b = sizes[l + 1] as number;
    wOff.push(o);
    o += a * b;
    bOff.push(o);
    o += b;
  }
  return { sizes: [...sizes], layers: sizes.length - 1, params: o, wOff, bOff };
}

/** Whether the algorithm differentiates through the inner steps (MAML++: in its second-order phase). */
export function secondOrder(algo: Algo): boolean {
  return algo === 'maml' || algo === 'metasgd' || algo === 'mamlpp';
}

/** MAML++'s learned rates: LSLR_STEPS rows of one rate per parameter tensor (W, b per layer); else 0. */
export function rateCount(s: Pick<FusedSettings, 'algo' | 'sizes'>): number {
  return s.algo === 'mamlpp' ? LSLR_STEPS * 2 * (s.sizes.length - 1) : 0;
}

/**
 * One row of the per-task buffer (floats). Meta rows 0..T−1 hold task t; pretrained rows T..2T−1
 * hold the joint-regression gradient of task t − T in the same columns. The activations of one
 * pass (x, y, act, delta, rAct, rDelta: offsets from `actBase`) live in workgroup memory when
 * they fit the default 16 KiB, else at the end of the row.
 */
export interface RowLayout extends MlpLayout {
  /** invocations per task workgroup */
  workgroup: number;
  /** 4 outputs per invocation in the forward pass where a layer's width is a multiple of 4 */
  blocked: boolean;
  /** most points one pass runs on (the joint step runs support and query as two passes) */
  points: number;
  /** ∂/∂θ, also the reverse-mode adjoint λ while it runs; Reptile: θ − θ′ */
  grad: number;
  /** Meta-SGD's ∂/∂α (−1 when absent) */
  gradAlpha: number;
  /** MAML++: ∂/∂rates [LSLR_STEPS × tensors], rows past the inner steps 0 (−1 when absent) */
  gradRates: number;
  /** MAML++: the support gradient g_s at θ_s, s = 0..inner−1, P floats each (−1 when absent) */
  stepGrads: number;
  /** MAML++: w_s·∇L_query(θ_{s+1}) for s = 0..inner−2, P floats each (−1 when absent) */
  queryGrads: number;
  /** this task's loss before the update */
  loss: number;
  /** θ_s, θ after s inner steps (s = 0..inner), at thetaSlot + s·P; θ_0 is a copy of θ */
  thetaSlot: number;
  /** activations are in workgroup memory (else in the row from actBase on) */
  shared: boolean;
  /** floats of activations */
  actFloats: number;
  actBase: number;
  /** inputs and targets of the current pass */
  x: number;
  y: number;
  /** per layer l = 1..L (index l − 1): activations, backward deltas, and their R-op tangents */
  act: number[];
  delta: number[];
  rAct: number[];
  rDelta: number[];
  /** floats per row */
  stride: number;
}

/** Workgroup memory the programs may use: the WebGPU default, less the row index. */
const SHARED_BYTES = DEFAULT_LIMITS.maxComputeWorkgroupStorageSize - 16;

export function rowLayout(s: FusedSettings): RowLayout {
  const m = mlpLayout(s.sizes);
  const points = Math.max(s.support, s.query);
  const second = secondOrder(s.algo);
  const counter = () => {
    let o = 0;
    return (n: number) => {
      const at = o;
      o += n;
      return at;
    };
  };
  const takeRow = counter();
  const grad = takeRow(m.params);
  const gradAlpha = s.algo === 'metasgd' ? takeRow(m.params) : -1;
  const pp = s.algo === 'mamlpp';
  const gradRates = pp ? takeRow(rateCount(s)) : -1;
  const loss = takeRow(1);
  const thetaSlot = takeRow((s.inner + 1) * m.params);
  const stepGrads = pp ? takeRow(s.inner * m.params) : -1;
  const queryGrads = pp ? takeRow((s.inner - 1) * m.params) : -1;
  const rowFloats = takeRow(0);
  const take = counter();
  const x = take(points);
  const y = take(points);
  const act: number[] = [];
  const delta: number[] = [];
  const rAct: number[] = [];
  const rDelta: number[] = [];
  for (let l = 1; l <= m.layers; l++) {
    const n = points * (m.sizes[l] as number);
    act.push(take(n));
    delta.push(take(n));
    // FOMAML, Reptile and the joint step never run the R-op: no room for its tangents
    rAct.push(second ? take(n) : -1);
    rDelta.push(second ? take(n) : -1);
  }
  const actFloats = take(0);
  const shared = (s.workgroupMemory ?? true) && actFloats * 4 <= SHARED_BYTES;
  const workgroup = s.workgroup ?? TASK_WORKGROUP;
  const stride = shared ? rowFloats : rowFloats + actFloats;
  const blocked = s.blocked ?? true;
  const columns = { grad, gradAlpha, gradRates, stepGrads, queryGrads, loss, thetaSlot };
  const base = { ...m, ...columns, workgroup, blocked, points, shared, actFloats };
  return { ...base, actBase: shared ? 0 : rowFloats, x, y, act, delta, rAct, rDelta, stride };
}

/** Bytes of workgroup memory the per-task program declares. */
export function sharedBytes(r: RowLayout): number {
  return 4 + (r.shared ? r.actFloats * 4 : 0);
}

/** Rows of the per-task buffer: one per task, twice that with the pretrained baseline. */
export function rowCount(s: FusedSettings): number {
  return s.pretrained ? 2 * s.tasks : s.tasks;
}

/** Optimizer sections on the device: θ, then Meta-SGD's α, then the pretrained θ. */
export function sectionCount(s: Pick<FusedSettings, 'algo' | 'pretrained'>): number {
  return 1 + (s.algo === 'metasgd' ? 1 : 0) + (s.pretrained ? 1 : 0);
}

/**
 * Multiply-adds of one meta-step, estimated: a plain pass (forward, backward, parameter sums) on
 * N points costs about 3·N·W for W weights, an R-op pass 9·N·W. Inner steps and the query run
 * plain passes (MAML++: a query pass after every step); MAML, Meta-SGD and MAML++ (counted in its
 * second-order phase) add an R-op pass per inner step; the joint step is one plain pass over K + Q.
 */
export function stepMacs(s: FusedSettings): number {
  const w = mlpLayout(s.sizes).params;
  const plain = (n: number) => 3 * n * w;
  // MAML++ also scores the query after every inner step (the multi-step loss)
  const queries = s.algo === 'mamlpp' ? s.inner : 1;
  let perTask = s.inner * plain(s.support) + queries * plain(s.query);
  if (secondOrder(s.algo)) perTask += 3 * s.inner * plain(s.support);
  if (s.pretrained) perTask += plain(s.support + s.query);
  return s.tasks * perTask;
}

/**
 * The most work one step may put in a single dispatch: 2·10⁹ multiply-adds take about 10 s on
 * Chromium's software adapter, past which the browser may declare the GPU hung. Milliseconds
 * on a GPU, but the engine's one-task-per-workgroup shape leaves a GPU mostly idle there too.
 */
export const MAX_STEP_MACS = 2e9;

export type Support = { ok: true } | { ok: false; reason: string };

const MIB = 1024 * 1024;

/** A byte count for a message: MiB with `digits` decimals, or KiB below one MiB (never "0 MiB"). */
export function byteSize(bytes: number, digits = 0): string {
  return bytes < MIB ? `${(bytes / 1024).toFixed(0)} KiB` : `${(bytes / MIB).toFixed(digits)} MiB`;
}

function inRange(name: string, v: number, [lo, hi]: readonly [number, number]): string | null {
  return Number.isInteger(v) && v >= lo && v <= hi ? null : `${name} ${v} is outside ${lo}–${hi}`;
}

/**
 * Whether a configuration fits the engine and the device. The reason names the limit, so the
 * caller can say why it fell back to the tfjs path.
 */
export function supports(s: FusedSettings, deviceLimits: FusedLimits = DEFAULT_LIMITS): Support {
  // stay inside the defaults even where the device offers more, so a configuration that runs
  // here runs on every WebGPU device (SwiftShader offers 1 GiB storage bindings, for one)
  const limits = { ...DEFAULT_LIMITS };
  for (const k of Object.keys(limits) as (keyof FusedLimits)[])
    limits[k] = Math.min(limits[k], deviceLimits[k]);
  const sizes = s.sizes;
  if (sizes.length < 3 || sizes[0] !== 1 || sizes[sizes.length - 1] !== 1) {
    return {
      ok: false,
      reason: `the fused engine runs 1-input 1-output MLPs with hidden layers, not [${sizes}]`,
    };
  }
  const hidden = sizes.slice(1, -1);
  const checks = [
    inRange('hidden layer count', hidden.length, FUSED_RANGES.hiddenLayers),
    ...hidden.map((w) => inRange('hidden width', w, FUSED_RANGES.width)),
    inRange('meta-batch', s.tasks, FUSED_RANGES.tasks),
    inRange('K', s.support, FUSED_RANGES.support),
    inRange('query size', s.query, FUSED_RANGES.query),
    inRange('inner steps', s.inner, FUSED_RANGES.inner),
  ];
  const bad = checks.find((c) => c !== null);
  if (bad) return { ok: false, reason: bad };
  const wg = s.workgroup ?? TASK_WORKGROUP;
  if (wg > limits.maxComputeInvocationsPerWorkgroup || wg > limits.maxComputeWorkgroupSizeX) {
    return { ok: false, reason: `workgroups of ${wg} invocations exceed the device's limit` };
  }

  if (STORAGE_BINDINGS > limits.maxStorageBuffersPerShaderStage) {
    return { ok: false, reason: `${STORAGE_BINDINGS} storage buffers per shader exceed the device's limit` };
  }
  const row = rowLayout(s);
  if (sharedBytes(row) > limits.maxComputeWorkgroupStorageSize) {
    return { ok: false, reason: `${sharedBytes(row)} bytes of workgroup memory exceed the device's limit` };
  }
  const rows = rowCount(s);
  if (rows > limits.maxComputeWorkgroupsPerDimension) {
    return { ok: false, reason: `${rows} task workgroups exceed maxComputeWorkgroupsPerDimension` };
  }
  const bytes = rows * row.stride * 4;
  const cap = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  if (bytes > cap) {
    const per = byteSize(row.stride * 4, 2);
    return {
      ok: false,
      reason:
        `the per-task buffer needs ${rows} rows × ${per} = ${byteSize(bytes)} ` +
        `(adapted θ for ${s.inner} inner steps of ${row.params} parameters, activations of ` +
        `${row.points} points), over the device's ${byteSize(cap)} storage binding limit`,
    };
  }
  const macs = stepMacs(s);
  if (macs > MAX_STEP_MACS) {
    return {
      ok: false,
      reason:
        `one meta-step would be ${(macs / 1e9).toFixed(1)}·10⁹ multiply-adds in one dispatch ` +
        `(limit ${MAX_STEP_MACS / 1e9}·10⁹, so the browser never sees a hung GPU)`,
    };
  }
  const flat = Math.ceil((sectionCount(s) * row.params + rateCount(s)) / FLAT_WORKGROUP);
  if (flat > limits.maxComputeWorkgroupsPerDimension) {
    return { ok: false, reason: `${flat} optimizer workgroups exceed maxComputeWorkgroupsPerDimension` };
  }
  return { ok: true };
}
