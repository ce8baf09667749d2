/**
 * The navigation family's part of the worker protocol: the arena (one goal's trajectories before
 * and after one inner policy-gradient step, for every initialisation) and the held-out returns
 * after 0..n inner steps. Paths are [N, H + 1, 2] positions with each trajectory's length.
 */
import type { MethodName } from '../protocol';
import type { MetaStepReply, MetaStepRequest } from './metaStepMessages';

/** One initialisation's trajectories in the arena. */
export interface ArenaPathsData {
  points: Float32Array;
  lengths: Int32Array;
  averageReturn: number;
}

export interface ArenaMethodData {
  pre: ArenaPathsData;
  post: ArenaPathsData;
}

export interface ReturnCurveData {
  values: number[];
  ci95: number[];
}

export type Nav2dRequest =
  /** sample trajectories toward `goal` with each initialisation, adapt once, sample again */
  | { kind: 'navArena'; id: number; goal: [number, number] }
  /** the shared walk-through's requests (answered: this family shows its phases in the arena) */
  | MetaStepRequest;

export type Nav2dReply =
  | {
      kind: 'navArena';
      id: number;
      /** θ's meta-step when the trajectories were sampled */
      step: number;
      goal: [number, number];
      trajs: number;
      horizon: number;
      alpha: number;
      methods: Partial<Record<MethodName, ArenaMethodData>>;
    }
  | {
      kind: 'navReturns';
      id: number;
      step: number;
      tasks: number;
      trajs: number;
      curves: Partial<Record<MethodName, ReturnCurveData>>;
    }
  | MetaStepReply;

export function nav2dTransferables(reply: { kind: string }): ArrayBuffer[] {
  if (reply.kind !== 'navArena') return [];
  const r = reply as Extract<Nav2dReply, { kind: 'navArena' }>;
  const out: ArrayBuffer[] = [];
  for (const m of Object.values(r.methods)) {
    for (const p of [m.pre, m.post]) {
      for (const b of [p.points.buffer, p.lengths.buffer]) if (b instanceof ArrayBuffer) out.push(b);
    }
  }
  return out;
}
