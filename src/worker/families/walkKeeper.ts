/**
 * The worker's side of "Walk through one meta-step": computes the next meta-step's phases with the
 * core (the run is not changed), projects its θ-sized vectors on the walk's plane, and once the
 * page has taken the update as a plain Step, reports how far θ moved. The update itself is the
 * host's ordinary single step, so the walk ends at exactly the θ a plain Step gives.
 */
import type { FamilyRun } from '../../core/families/family';
import { onWalkPlane, walkArrows, walkPaths, walkPlane, type WalkPlane } from '../../core/meta/walkPlane';
import type { FromWorker } from '../protocol';
import type { HostServices } from './familyWorker';
import { read } from '../theta/read';
import type { WalkReport, WalkRequest } from './metaStepMessages';

/** tasks drawn in detail (the page's small multiples) */
export const WALK_SHOWN_MAX = 6;

export class WalkKeeper {
  private asked: { id: number; shown: number } | null = null;
  private update: { id: number; step: number } | null = null;
  /** the plane and θ of the latest walk, for the update's move */
  private last: { id: number; step: number; plane: WalkPlane } | null = null;

  /**
   * The page owns the walk's life: it cancels it on a reset, a new run or a settings change. A run
   * moved to another backend or engine (auto's race) keeps its walk and its plane.
   */
  constructor(private readonly host: HostServices) {}

  private post(msg: FromWorker): void {
    this.host.post(msg);
  }

  /** a walk is waiting to be computed (the pump keeps turning for it) */
  get busy(): boolean {
    return this.asked !== null;
  }

  /** the page waits for something (an update waits for its step, which the host's step request brings) */
  get pending(): boolean {
    return this.asked !== null || this.update !== null;
  }

  request(req: WalkRequest): void {
    if (req.kind === 'walk') {
      this.asked = { id: req.id, shown: Math.max(1, Math.min(WALK_SHOWN_MAX, Math.floor(req.shown))) };
      this.update = null;
    } else if (req.kind === 'walkUpdate') {
      this.update = { id: req.id, step: req.step };
    } else if (req.kind === 'walkCancel') {
      this.asked = null;
      this.update = null;
      this.last = null;
    }
  }

  /** Between training chunks: a walk asked for (only while paused), an update that has happened. */
  async work(run: FamilyRun, running: boolean): Promise<void> {
    if (this.asked && !running) {
      const asked = this.asked;
      this.asked = null;
      await this.walk(run, asked.id, asked.shown);
    }
    const u = this.update;
    if (u && run.stepCount >= u.step) {
      this.update = null;
      await this.updated(run, u.id);
    }
  }

  private async walk(run: FamilyRun, id: number, shown: number): Promise<void> {
    if (!run.walkStep) {
      this.post({
        kind: 'family',
        reply: { kind: 'walkFailed', id, reason: 'This task family has no walk-through yet.' },
      });
      return;
    }
    let w;
    try {
      // beside WebGPU training, read-only work runs on wasm from read-back copies (fast first views)
      if (this.host.usesSideWasm()) {
        const snap = await this.host.snapshot();
        const walkStep = run.walkStep.bind(run);
        w = await this.host.inference(() => walkStep(shown, { theta: snap.theta, alpha: snap.alpha }));
      } else {
        w = await run.walkStep(shown);
      }
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      this.post({ kind: 'family', reply: { kind: 'walkFailed', id, reason } });
      return;
    }
    const plane = walkPlane(w);
    this.last = { id, step: w.step, plane };
    const {
      theta: _theta,
      adapted: _adapted,
      gradient: _gradient,
      firstOrder: _firstOrder,
      correction: _correction,
      alphaGradient: _alphaGradient,
      ...rest
    } = w;
    const walk: WalkReport = {
      ...rest,
      id,
      plane: { axes: plane.axes, paths: walkPaths(plane, w), arrows: walkArrows(plane, w) },
    };
    this.post({ kind: 'family', reply: { kind: 'walk', walk } });
  }

  private async updated(run: FamilyRun, id: number): Promise<void> {
    const last = this.last;
    if (!last || last.id !== id) return;
    const theta = await read(run.learner.theta);
    const move = onWalkPlane(last.plane, theta);
    let sq = 0;
    for (let k = 0; k < theta.length; k++) {
      const d = (theta[k] as number) - (last.plane.origin[k] as number);
      sq += d * d;
    }
    this.post({
      kind: 'family',
      reply: { kind: 'walkUpdated', id, step: run.stepCount, move, moveNorm: Math.sqrt(sq) },
    });
  }
}
