/** The glyph family's part of the worker protocol: the lab's task view and the drawing pad. */
import type { FromGlyphWorker, ToGlyphWorker } from './glyphProtocol';

export type GlyphRequest = Extract<ToGlyphWorker, { kind: 'showTask' | 'adapt' | 'classify' }>;

export type GlyphReply =
  | Extract<FromGlyphWorker, { kind: 'task' | 'adapted' | 'classified' }>
  /** an accuracy evaluation asked for with an id (the lab's own curves) */
  | ({ kind: 'glyphEval' } & Omit<Extract<FromGlyphWorker, { kind: 'eval' }>, 'kind'>);

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
