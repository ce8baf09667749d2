/**
 * The part of the worker protocol every family with a MetaModel shares: "Walk through one
 * meta-step" (the next step's phases, the update's move) and the first-order vs second-order
 * comparison. Each family's request and reply unions include these.
 */
import type { OrderComparison } from '../../core/meta/orderCompare';
import type { MetaStepWalk } from '../../core/meta/walkthrough';
import type { WalkArrow } from '../../core/meta/walkPlane';

/** The θ-sized vectors of a walk: sent projected on the walk's plane instead. */
type ThetaSized = 'theta' | 'adapted' | 'gradient' | 'firstOrder' | 'correction' | 'alphaGradient';

/** Omit over each member of a union (a plain Omit keeps only the members' common keys). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The plane a walk is drawn in, with what is projected on it. */
export interface WalkReportPlane {
  /** what the plane's two axes are */
  axes: [string, string];
  /** the shown tasks' inner-loop paths θ → θ′ᵢ, [shown][inner + 1] points, θ at the origin */
  paths: [number, number][][];
  /** −g (and for MAML −g₁ and the correction) projected, in gradient units */
  arrows: WalkArrow[];
}

/**
 * One meta-step, phase by phase, as the page shows it: the core's walk (src/core/meta/walkthrough.ts)
 * without its θ-sized vectors; `view` says whether its tasks are curves or glyph images.
 */
export type WalkReport = OmitEach<MetaStepWalk, ThetaSized> & {
  /** echoes the page's request */
  id: number;
  plane: WalkReportPlane;
};

export type WalkRequest =
  /** compute the next meta-step's phases (training is paused), `shown` tasks in detail */
  | { kind: 'walk'; id: number; shown: number }
  /** the page asked for the walk's update as a plain step: report θ's move once the run is at `step` */
  | { kind: 'walkUpdate'; id: number; step: number }
  | { kind: 'walkCancel' };

export type WalkReply =
  | { kind: 'walk'; walk: WalkReport }
  | { kind: 'walkFailed'; id: number; reason: string }
  | {
      /** the walk's update was applied (a plain step): θ's move in the walk's plane */
      kind: 'walkUpdated';
      id: number;
      step: number;
      move: [number, number];
      /** |θ_after − θ_before| over all parameters */
      moveNorm: number;
    };

/** Second-order vs first-order MAML vs Reptile at θ of `step`, on a fixed held-out batch. */
export interface OrdersReply {
  kind: 'orders';
  step: number;
  comparison: OrderComparison;
  /** one line each for a reader: the Hessian term's effect, the Reptile direction */
  reading: string;
  reptile: string;
}

export type MetaStepRequest = WalkRequest;
export type MetaStepReply = WalkReply | OrdersReply;

const REQUESTS: ReadonlySet<string> = new Set(['walk', 'walkUpdate', 'walkCancel']);
const REPLIES: ReadonlySet<string> = new Set(['walk', 'walkFailed', 'walkUpdated', 'orders']);

export function isMetaStepRequest(req: { kind: string }): req is MetaStepRequest {
  return REQUESTS.has(req.kind);
}

export function isMetaStepReply(reply: { kind: string }): reply is MetaStepReply {
  return REPLIES.has(reply.kind);
}
