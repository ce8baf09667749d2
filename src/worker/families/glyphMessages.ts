/**
 * The glyph family's part of the worker protocol: the lab's task view (a held-out task's
 * predictions after each inner step), the drawing pad (adapt to the user's drawings, classify a
 * new one) and the accuracy evaluation. Images are 28×28 floats in [0, 1], row-major, concatenated.
 */

import type { MetaStepReply, MetaStepRequest } from './metaStepMessages';

/** The initialisations the glyph lab compares. */
export const GLYPH_METHODS = ['maml', 'pretrained', 'random'] as const;
export type GlyphMethod = (typeof GLYPH_METHODS)[number];

export interface AccuracyCurveData {
  /** mean query accuracy after 0..steps inner steps */
  accuracy: number[];
  ci95: number[];
  loss: number[];
}

export type GlyphRequest =
  /** sample the `counter`-th view task of the seed (held-out alphabets) and predict after 0..steps */
  | { kind: 'showTask'; id: number; counter: number; steps: number }
  /**
   * adapt MAML θ and the random θ to the user's drawings: `ways` classes × `shots` images each,
   * ordered by class (image c·shots + i is drawing i of class c)
   */
  | { kind: 'adapt'; id: number; ways: number; shots: number; images: Float32Array; steps: number }
  /** classify one drawing with the networks adapted by adapt `adaptId` */
  | { kind: 'classify'; id: number; adaptId: number; image: Float32Array }
  /** the walk-through's requests (metaStepMessages.ts) */
  | MetaStepRequest;

/** A held-out task as the lab shows it: its images and each method's predictions per inner step. */
export interface GlyphTaskReply {
  kind: 'task';
  id: number;
  counter: number;
  step: number;
  ways: number;
  shots: number;
  query: number;
  steps: number;
  /** support images [N·K, 784], labels [N·K] (by class) */
  xs: Float32Array;
  ys: Int32Array;
  /** query images [N·Q, 784], labels [N·Q] */
  xq: Float32Array;
  yq: Int32Array;
  /** the glyph behind each label, e.g. "Cyrillic Ж" */
  names: string[];
  /** per method: class probabilities [steps + 1, N·Q, N] */
  probs: Record<GlyphMethod, Float32Array>;
}

/** The accuracy evaluation on held-out alphabets, 0..steps inner steps, per initialisation. */
export interface GlyphEvalReply {
  kind: 'glyphEval';
  /** the request's id (0: one the host scheduled itself) */
  id: number;
  step: number;
  /** tasks scored so far: the curves arrive as they tighten, until `tasks` reaches `asked` */
  tasks: number;
  asked: number;
  steps: number;
  ways: number;
  shots: number;
  curves: Record<GlyphMethod, AccuracyCurveData>;
}

export interface GlyphAdaptedReply {
  kind: 'adapted';
  id: number;
  ways: number;
  steps: number;
  /** support accuracy of each adapted network (how well it fits the user's own drawings) */
  supportAccuracy: Record<'maml' | 'random', number>;
}

export interface GlyphClassifiedReply {
  kind: 'classified';
  id: number;
  adaptId: number;
  /** class probabilities [N] after adaptation, per initialisation */
  probs: Record<'maml' | 'random', Float32Array>;
}

export type GlyphReply =
  | GlyphTaskReply
  | GlyphEvalReply
  | GlyphAdaptedReply
  | GlyphClassifiedReply
  /** the walk-through's replies and the first-order vs second-order comparison */
  | MetaStepReply;

export function glyphTransferables(reply: { kind: string }): ArrayBuffer[] {
  const r = reply as GlyphReply;
  const arrays =
    r.kind === 'task'
      ? [r.xs, r.ys, r.xq, r.yq, r.probs.maml, r.probs.pretrained, r.probs.random]
      : r.kind === 'classified'
        ? [r.probs.maml, r.probs.random]
        : [];
  return arrays.map((a) => a.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}
