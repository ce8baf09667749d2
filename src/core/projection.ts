/**
 * The parameter-space view's compute: θ snapshots, the PCA plane of the trajectory, projections
 * of θ and of the per-task adapted θ′ᵢ, and the loss landscape on the plane. Pure TypeScript and
 * tfjs, no DOM: the worker hosts it, the tests and the CLI call it directly.
 *
 * A host (the worker) uses it like this:
 *
 *   const trail = new SnapshotBuffer({ capacity: 256 });     // one per trajectory (MAML, pretrained)
 *   // after each training step; θ is read back only when a snapshot is due
 *   if (trail.due(run.stepCount)) trail.record(run.stepCount, await run.learner.theta.data());
 *   // on a report tick, when trail.version changed:
 *   plane = trajectoryPlane(trail, { previous: plane });   // coords, explained, steps: post these
 *   const here = projectPoint(plane, thetaArray);           // the current θ
 *   const paths = await innerPaths(run.model, plane, run.learner.theta, xs, ys, rate, steps);
 *   // on request, one chunk per tick between training steps:
 *   const land = new LossLandscape({ model, basis: plane, centre: theta, batch, rate, steps,
 *                                    span: landscapeSpan(plane, here) });
 *   if (land.next()) { post(land.x, land.y, land.pre, land.post); land.dispose(); }
 */
export { SnapshotBuffer, type SnapshotOptions } from './projection/snapshots';
export { jacobiEigen, topEigenpairs, type EigenPairs } from './projection/eigen';
export {
  pcaPlane,
  trajectoryPlane,
  displacementGram,
  projectPoint,
  projectRows,
  type Plane,
  type PlaneBasis,
  type PlaneOptions,
  type TrajectoryPlane,
} from './projection/pca';
export {
  basisTensors,
  innerPathCoords,
  innerPaths,
  projectTensor,
  type InnerPaths,
} from './projection/paths';
export { LossLandscape, landscapeSpan, type LandscapeSpec } from './projection/landscape';
