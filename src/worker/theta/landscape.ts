/**
 * The loss-landscape job of the parameter-space view: a grid of losses on the θ plane, built
 * around the subject's θ and computed one small chunk at a time between training chunks.
 */
import type { Experiment } from '../../core/experiment';
import { projectPoint, type TrajectoryPlane } from '../../core/projection';
import type { LandscapeGrid } from '../../core/projection/grid';
import type { FromWorker, LandscapeReport } from '../protocol';
import type { ThetaViewModel } from './model';
import type { Subject } from './subject';
import type { Inference } from './view';

/** landscape progress messages at most this often */
const PROGRESS_MS = 100;

export interface LandscapeJob {
  meta: Omit<LandscapeReport, 'x' | 'y' | 'pre' | 'post'>;
  land: LandscapeGrid;
  cursor: number;
  lastProgressAt: number;
}

const now = () => performance.now();

/** Build the landscape around the subject's θ on its plane (the family's grid); no chunk is computed yet. */
export async function startLandscapeJob(
  model: ThetaViewModel,
  config: Experiment,
  subject: Subject,
  plane: TrajectoryPlane,
  id: number,
  resolution: number,
  inference: Inference,
): Promise<LandscapeJob> {
  const centre = projectPoint(plane, subject.theta);
  const built = await inference(async () => model.landscape(config, subject, plane, resolution));
  return {
    meta: {
      id,
      subject: subject.name,
      step: model.stepCount,
      resolution: built.land.resolution,
      innerSteps: built.innerSteps,
      tasks: built.tasks,
      k: built.k,
      rate: subject.rateText,
      centre,
      coords: plane.coords.slice(),
      explained: [plane.explained[0], plane.explained[1]],
    },
    land: built.land,
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
