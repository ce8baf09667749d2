/**
 * MAML++'s side of the glyph θ file (glyphTheta.ts): the per-step batch-norm sets as named
 * tensors after the network's own, and the LSLR rates with their shape. Names and order follow
 * the MAML++ glyph net (its family's stepNorm.ts): set s (1 … LSLR_STEPS) repeats
 * every batch-norm γ and β of the network, named `set<s>.<name>`; the rates have one row per inner
 * step and one column per network tensor, then one column shared by the queued sets. No tfjs here.
 */
import { LSLR_STEPS } from '../meta/mamlppSchedule';
import type { ParamSpec } from '../models/glyphNets';
import { base64ToFloat32 } from '../runs/base64';

/** MAML++'s batch-norm sets on a glyph net: one per inner step and one for after the last. */
export const GLYPH_NORM_SETS = LSLR_STEPS + 1;

/** MAML++'s rates in a glyph θ file: `values` is base64 float32 [shape[0] × shape[1]], row-major. */
export interface GlyphRates {
  /** [inner steps, columns] */
  shape: [number, number];
  /** what each column's rate steps: a network tensor, or the queued batch-norm sets */
  columns: string[];
  values: string;
}

/** A glyph run's θ layout: its tensors, batch-norm sets and (MAML++) rate columns. */
export interface GlyphThetaLayout {
  specs: ParamSpec[];
  sets: number;
  rateColumns: string[] | null;
}

const isNorm = (s: ParamSpec): boolean => s.name.endsWith('.gamma') || s.name.endsWith('.beta');
const QUEUED = `set1…set${GLYPH_NORM_SETS - 1} (the queued batch-norm sets)`;

/** The tensors a run meta-trains on the network `base`: MAML++ (`perStep`) adds the sets. */
export function glyphThetaLayout(base: readonly ParamSpec[], perStep: boolean): GlyphThetaLayout {
  const specs = base.map((s) => ({ name: s.name, shape: [...s.shape] }));
  if (!perStep) return { specs, sets: 1, rateColumns: null };
  const norms = base.filter(isNorm);
  for (let s = 1; s < GLYPH_NORM_SETS; s++) {
    for (const n of norms) specs.push({ name: `set${s}.${n.name}`, shape: [...n.shape] });
  }
  return { specs, sets: GLYPH_NORM_SETS, rateColumns: [...base.map((s) => s.name), QUEUED] };
}

interface FileTensor {
  name: unknown;
  shape: unknown;
}

/** How many batch-norm sets a tensor list holds: the network's own, and one per `set<s>.` prefix. */
function setsIn(tensors: readonly FileTensor[]): number {
  const prefixes = new Set<string>();
  for (const t of tensors) {
    const m = /^set(\d+)\./.exec(String(t.name));
    if (m) prefixes.add(m[1] as string);
  }
  return 1 + prefixes.size;
}

/**
 * Checks a file's tensor list and declared set count against the layout of its experiment's
 * network (`want`); throws one line saying what is wrong.
 */
export function checkSets(
  tensors: readonly FileTensor[],
  declared: unknown,
  want: GlyphThetaLayout,
  algo: string,
): void {
  const sets = setsIn(tensors);
  const said = declared ?? 1;
  if (sets !== want.sets || said !== sets) {
    throw new Error(
      `This glyph θ file has ${sets} batch-norm sets${said !== sets ? ` (it says ${String(said)})` : ''}; algo=${algo} on its network has ${want.sets}`,
    );
  }
  const shape = (s: unknown) => (Array.isArray(s) ? s.join('×') : String(s));
  want.specs.forEach((w, i) => {
    const t = tensors[i];
    if (!t || t.name !== w.name || shape(t.shape) !== shape(w.shape)) {
      const got = t ? `${String(t.name)} [${shape(t.shape)}]` : 'missing';
      throw new Error(
        `This glyph θ file's tensor ${i} is ${got}; its network has ${w.name} [${shape(w.shape)}]`,
      );
    }
  });
  if (tensors.length !== want.specs.length)
    throw new Error(`This glyph θ file has ${tensors.length} tensors; its network has ${want.specs.length}`);
}

/** MAML++'s rates of a file (null when it has none), checked against the layout's shape. */
export function readRates(rates: unknown, want: GlyphThetaLayout): Float32Array | null {
  if (rates === undefined || rates === null) return null;
  if (!want.rateColumns) throw new Error('This glyph θ file has MAML++ rates but its run is not MAML++');
  const r = rates as Partial<GlyphRates>;
  const shape = [LSLR_STEPS, want.rateColumns.length];
  const count = LSLR_STEPS * want.rateColumns.length;
  if (!Array.isArray(r.shape) || r.shape.join('×') !== shape.join('×') || typeof r.values !== 'string') {
    throw new Error(
      `This glyph θ file's MAML++ rates have shape [${Array.isArray(r.shape) ? r.shape.join(', ') : '?'}]; its network needs [${shape.join(', ')}]`,
    );
  }
  const values = base64ToFloat32(r.values, 'This glyph θ file’s MAML++ rates');
  if (values.length !== count)
    throw new Error(
      `This glyph θ file's MAML++ rates have ${values.length} numbers, not ${shape.join(' × ')}`,
    );
  if (!values.every(Number.isFinite))
    throw new Error('This glyph θ file’s MAML++ rates have non-finite numbers');
  return values;
}
