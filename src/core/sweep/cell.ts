/**
 * Train one cell of a sensitivity map and score it: the run `npm run train` makes of the same
 * settings (the fused meta-step where the family has one, no pretrained baseline), then the
 * family's evaluation protocol on held-out tasks, read after one inner step. The caller has
 * started the tfjs backend (the CLI: wasm); nothing here touches the DOM, so a page worker can
 * run it unchanged.
 *
 * Divergence rule: a cell has diverged when a meta-loss is not finite (training stops there),
 * when its one-step metric or its interval is not finite, or, for a lower-is-better metric (MSE),
 * when the one-step metric is more than DIVERGED_FACTOR times the random initialisation's before
 * adaptation (a network ten times worse than an untrained one has blown up). A diverged cell has
 * no metric: it is not a number, not a large one.
 */
import type { EvalRequest, FamilyRun, TaskFamily } from '../families/family';
import { familyOf } from '../families/registry';
import type { Experiment } from '../schema';

export const DIVERGED_FACTOR = 10;
/** a learning curve keeps at most this many points (each the mean meta-loss of its steps) */
export const CURVE_POINTS = 50;

export interface CellScore {
  /** the held-out metric after one inner step (MSE or accuracy); null when diverged */
  metric: number | null;
  /** half-width of its 95% confidence interval; null when diverged */
  ci95: number | null;
  /** the meta-loss of the last meta-step trained (null when not finite) */
  finalMetaLoss: number | null;
  /** the downsampled learning curve: the last step of each stretch and its mean meta-loss */
  curve: { steps: number[]; loss: number[] };
  diverged: boolean;
  /** the meta-step whose loss was not finite, where training stopped */
  divergedAt: number | null;
}

/** Per-step meta-losses folded into CURVE_POINTS means. */
class CurveBins {
  readonly steps: number[] = [];
  readonly loss: number[] = [];
  private sum = 0;
  private n = 0;
  private readonly stride: number;

  constructor(total: number) {
    this.stride = Math.max(1, Math.ceil(total / CURVE_POINTS));
  }

  add(step: number, loss: number, last: boolean): void {
    this.sum += loss;
    this.n++;
    if (step % this.stride === 0 || last) this.flush(step);
  }

  flush(step: number): void {
    if (this.n === 0) return;
    this.steps.push(step);
    this.loss.push(this.sum / this.n);
    this.sum = 0;
    this.n = 0;
  }
}

interface Trained {
  bins: CurveBins;
  finalMetaLoss: number | null;
  divergedAt: number | null;
}

export interface CellOptions {
  /** meta-steps trained so far, every 50 steps and at the end */
  onProgress?: (step: number) => void;
  /** stops training between meta-steps: runCell then rejects with the signal's reason */
  signal?: AbortSignal;
  /** called with the trained run before it is scored and disposed (not for a diverged cell) */
  onTrained?: (run: FamilyRun) => Promise<void>;
}

/** `steps` meta-steps, every loss read back (async) for the curve; stops at a loss that is not finite. */
async function trainCell(run: FamilyRun, steps: number, options: CellOptions): Promise<Trained> {
  const { onProgress, signal } = options;
  const bins = new CurveBins(steps);
  let finalMetaLoss: number | null = null;
  for (let s = 1; s <= steps; s++) {
    signal?.throwIfAborted();
    const { meta, pretrained } = run.step();
    pretrained?.dispose();
    const v = (await meta.data())[0] as number;
    meta.dispose();
    if (!Number.isFinite(v)) {
      bins.flush(s - 1);
      return { bins, finalMetaLoss: null, divergedAt: s };
    }
    bins.add(s, v, s === steps);
    finalMetaLoss = v;
    if (onProgress && (s % 50 === 0 || s === steps)) onProgress(s);
  }
  return { bins, finalMetaLoss, divergedAt: null };
}

/** The one-step metric of the family's evaluation json, and the reference for the divergence rule. */
function oneStep(
  json: Record<string, unknown>,
  family: TaskFamily,
): { metric: number; ci95: number; limit: number } {
  type Curve = { mse?: number[]; accuracy?: number[]; ci95: number[] };
  const maml = json.maml as Curve | undefined;
  const random = json.random as Curve | undefined;
  const values = maml?.mse ?? maml?.accuracy;
  if (!maml || !values) throw new Error(`${family.schema.name}: its evaluation has no meta-learned curve`);
  const before = random?.mse?.[0] ?? random?.accuracy?.[0];
  const limit =
    family.metric.direction === 'lower' && before !== undefined ? DIVERGED_FACTOR * before : Infinity;
  return { metric: values[1] as number, ci95: maml.ci95[1] as number, limit };
}

/**
 * Train and score one cell. `evalRequest.steps` must be at least 1 (the metric is read after one
 * inner step); the request's tasks and seed are the evaluation protocol `npm run train` takes
 * from --eval-tasks, --eval-steps and --eval-seed.
 */
export async function runCell(
  config: Experiment,
  steps: number,
  evalRequest: EvalRequest,
  options: CellOptions = {},
): Promise<CellScore> {
  if (evalRequest.steps < 1)
    throw new Error('a cell is scored after one inner step: eval steps must be at least 1');
  const family = familyOf(config.task);
  await family.loadFusedEngine?.();
  const run = family.createRun(config, { engine: 'fused', pretrained: false });
  try {
    const trained = await trainCell(run, steps, options);
    const curve = { steps: trained.bins.steps, loss: trained.bins.loss };
    const diverged = { metric: null, ci95: null, curve, diverged: true, divergedAt: trained.divergedAt };
    if (trained.divergedAt !== null) return { ...diverged, finalMetaLoss: null };
    await options.onTrained?.(run);
    const report = await run.evaluateReport(evalRequest);
    const { metric, ci95, limit } = oneStep(report.json, family);
    const finalMetaLoss = trained.finalMetaLoss;
    if (!Number.isFinite(metric) || !Number.isFinite(ci95) || metric > limit)
      return { ...diverged, finalMetaLoss };
    return { metric, ci95, finalMetaLoss, curve, diverged: false, divergedAt: null };
  } finally {
    run.dispose();
  }
}
