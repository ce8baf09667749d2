/**
 * The loss-landscape job of the parameter-space view: a grid of losses on the θ plane, built
 * around the subject's θ and computed one small chunk at a time between training chunks.
 */
import * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../core/experiment';
import { batchTensors } from '../core/families/regression/evaluate';
import type { RegressionRun } from '../core/families/regression/run';
import { landscapeSpan, LossLandscape, projectPoint, type TrajectoryPlane } from '../core/projection';
import { Rng } from '../core/random';
import type { FromWorker, LandscapeReport } from './protocol';
import type { Subject } from './thetaSubject';
import type { Inference } from './thetaView';

/** tasks the landscape's losses average over */
const LANDSCAPE_TASKS = 10;
/** grid points × tasks per landscape chunk: one chunk takes tens of milliseconds on wasm */
const LANDSCAPE_WORK = 64;
/** landscape progress messages at most this often */
const PROGRESS_MS = 100;

export interface LandscapeJob {
  meta: Omit<LandscapeReport, 'x' | 'y' | 'pre' | 'post'>;
  land: LossLandscape;
  cursor: number;
  lastProgressAt: number;
}

const now = () => performance.now();

/** Build the landscape around the subject's θ on its plane; no chunk is computed yet. */
export async function startLandscapeJob(
  run: RegressionRun,
  config: Experiment,
  subject: Subject,
  plane: TrajectoryPlane,
  id: number,
  resolution: number,
  inference: Inference,
): Promise<LandscapeJob> {
  const centre = projectPoint(plane, subject.theta);
  const batch = run.tasks.sampleBatch(
    Rng.stream(config.seed, 'theta-view/landscape'),
    LANDSCAPE_TASKS,
    config.k,
    config.query,
  );
  const land = await inference(async () => {
    const b = batchTensors(batch);
    const rate = typeof subject.rate === 'number' ? subject.rate : tf.tensor1d(subject.rate);
    try {
      // the landscape copies the batch and the rate: both can go once it is built
      return new LossLandscape({
        model: run.model,
        basis: plane,
        centre: subject.theta,
        batch: b,
        rate,
        steps: config.inner,
        span: landscapeSpan(plane, centre),
        resolution,
        chunkSize: Math.max(1, Math.floor(LANDSCAPE_WORK / LANDSCAPE_TASKS)),
      });
    } finally {
      tf.dispose(b);
      if (typeof rate !== 'number') rate.dispose();
    }
  });
  return {
    meta: {
      id,
      subject: subject.name,
      step: run.stepCount,
      resolution,
      innerSteps: config.inner,
      tasks: LANDSCAPE_TASKS,
      k: config.k,
      rate: subject.rateText,
      centre,
      coords: plane.coords.slice(),
      explained: [plane.explained[0], plane.explained[1]],
    },
    land,
    cursor: 0,
    lastProgressAt: now(),
  };
}

/**
 * Compute the job's next chunk and post progress; after the last chunk, dispose the landscape and
 * post it. Returns whether the job is finished.
 */
export async function advanceLandscapeJob(
  job: LandscapeJob,
  post: (msg: FromWorker) => void,
  inference: Inference,
): Promise<boolean> {
  await inference(() => job.land.computeChunkAsync(job.cursor));
  job.cursor += 1;
  const total = job.land.chunkCount;
  const t = now();
  if (job.cursor >= total || t - job.lastProgressAt >= PROGRESS_MS) {
    job.lastProgressAt = t;
    post({ kind: 'landscapeProgress', id: job.meta.id, done: job.cursor, total });
  }
  if (job.cursor < total) return false;
  const { land } = job;
  land.dispose();
  post({
    kind: 'landscape',
    ...job.meta,
    x: land.x.slice(),
    y: land.y.slice(),
    pre: land.pre.slice(),
    post: land.post.slice(),
  });
  return true;
}
