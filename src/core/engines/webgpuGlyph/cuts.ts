/**
 * One operation of a task's meta-step over the per-dispatch work limit, cut into pieces (phases.ts
 * then puts each piece in its own phase, or shares a phase with its neighbours). An operation is
 * cut along the outputs of its heavy loop: a layer's forward pass or its dY by ranges of images
 * (each output element is one image's), a weight gradient by ranges of its elements (each a sum
 * over all images in the unsplit order). Every output element is computed by the same arithmetic
 * in the same order whichever piece it falls in, so the cut step equals the unsplit one to the bit.
 */
import type { TaskOp } from './phases';

/** How an operation can be cut: `units` consecutive ranges of `unitMacs` multiply-adds each. */
export interface OpCut {
  /** what one unit is, in words ("image", "weight") */
  unit: string;
  units: number;
  unitMacs: number;
  /** the WGSL of units lo ≤ u < hi (lo = 0 adds the operation's prologue, hi = units its epilogue) */
  code: (lo: number, hi: number) => string;
}

/** Operation `op` of taskOps cut into `pieces` (only the operations over the limit are listed). */
export interface Cut {
  op: number;
  pieces: number;
}

/** Pieces of at most `maxMacs` each for every operation over it, or the one that cannot be cut so. */
export function planCuts(
  ops: readonly TaskOp[],
  maxMacs: number,
): { ok: true; cuts: Cut[] } | { ok: false; what: string; macs: number } {
  const cuts: Cut[] = [];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as TaskOp;
    if (op.macs <= maxMacs) continue;
    if (!op.cut) return { ok: false, what: op.what, macs: op.macs };
    const { unit, units, unitMacs } = op.cut;
    if (unitMacs > maxMacs) return { ok: false, what: `${op.what}, for one ${unit}`, macs: unitMacs };
    // the fewest pieces whose largest (ceil(units / pieces) units) stays under the limit
    cuts.push({ op: i, pieces: Math.ceil(units / Math.floor(maxMacs / unitMacs)) });
  }
  return { ok: true, cuts };
}

/**
 * The operations with each cut one replaced by its pieces: consecutive ranges of ceil(units /
 * pieces) units (the last one shorter), in order, none empty.
 */
export function cutOps(ops: readonly TaskOp[], cuts: readonly Cut[]): TaskOp[] {
  const pieces = new Map(cuts.map((c) => [c.op, c.pieces]));
  return ops.flatMap((op, i) => {
    const p = pieces.get(i) ?? 1;
    const cut = op.cut;
    if (p === 1 || !cut) return [op];
    const per = Math.ceil(cut.units / p);
    const out: TaskOp[] = [];
    for (let lo = 0; lo < cut.units; lo += per) {
      const hi = Math.min(cut.units, lo + per);
      out.push({
        code: cut.code(lo, hi),
        what: `${op.what} (${cut.unit}s ${lo + 1}-${hi} of ${cut.units})`,
        images: op.images,
        macs: (hi - lo) * cut.unitMacs,
      });
    }
    return out;
  });
}

/** The cuts as a key fragment ('' for none): programs of different cuts must not share a key. */
export function cutsKey(cuts: readonly Cut[]): string {
  return cuts.length === 0 ? '' : `_cut${cuts.map((c) => `${c.op}x${c.pieces}`).join('.')}`;
}
