import { convNetSpecs, fcSpecs, type ParamSpec } from '../../models/glyphNets';

/** The glyph networks the fused engine runs (the glyph schema's range). */
export interface GlyphNetShape {
  net: 'conv' | 'fc';
  ways: number;
  /** conv: filters per block (4-64) and blocks (1-4) */
  filters: number;
  blocks: number;
  /** fc: hidden widths (1-4 layers) */
  hidden: readonly number[];
  batchNorm: boolean;
}

const pad4 = (n: number): number => Math.ceil(n / 4) * 4;

/** The project's parameter list of a network (src/core/models/glyphNets.ts). */
export function glyphSpecs(s: GlyphNetShape): ParamSpec[] {
  return s.net === 'conv'
    ? convNetSpecs({
        ways: s.ways,
        filters: s.filters,
        blocks: s.blocks,
        channels: 1,
        batchNorm: s.batchNorm,
      })
    : fcSpecs({ ways: s.ways, hidden: s.hidden, inputSize: 784, batchNorm: s.batchNorm });
}

/** Padded widths of the hidden layers (multiples of 4), as the wasm module lays them out. */
export function paddedWidths(s: GlyphNetShape): number[] {
  return s.net === 'conv' ? new Array<number>(s.blocks).fill(pad4(s.filters)) : s.hidden.map(pad4);
}

/**
 * Maps the project's flat θ (ParamLayout order: per layer W, then γ, β or b; then head W, head b)
 * to the wasm module's padded layout and back: every width and the number of logits rounded up to
 * a multiple of 4 (conv filters [3, 3, C, F] as rows tap·C_p + c of a [9·C_p × F_p] matrix).
 * Padded slots are always zero. With `sets`, every γ and β again per set, each padded to 4.
 */
export class GlyphLayout {
  readonly size: number;
  readonly paddedSize: number;
  private readonly index: Int32Array;

  /** `sets`: MAML++'s further batch-norm sets after the network (StepNormClassifier's layout) */
  constructor(shape: GlyphNetShape, sets = 0) {
    const positions: number[] = [];
    let offset = 0;
    /** a [rows × cols] matrix stored [rowsP × colsP] with row r at padded row rowOf(r) */
    const matrix = (rows: number, cols: number, rowsP: number, rowOf: (r: number) => number): void => {
      const colsP = pad4(cols);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) positions.push(offset + rowOf(r) * colsP + c);
      offset += rowsP * colsP;
    };
    const vector = (n: number): void => matrix(1, n, 1, () => 0);
    const specs = glyphSpecs(shape);
    const norms = specs.filter((p) => p.name.endsWith('.gamma') || p.name.endsWith('.beta'));
    for (let k = 0; k < sets; k++) specs.push(...norms);
    for (const spec of specs) {
      const dims = spec.shape;
      if (dims.length === 4) {
        // conv filter [3, 3, C, F]: rows (tap, c) → tap·C_p + c (the image's single channel stays 1)
        const [kh, kw, c] = dims as [number, number, number, number];
        const cp = c === 1 ? 1 : pad4(c);
        matrix(kh * kw * c, dims[3] as number, kh * kw * cp, (r) => Math.floor(r / c) * cp + (r % c));
      } else if (dims.length === 2) {
        const [rows, cols] = dims as [number, number];
        const rowsP = spec.name === 'fc0.w' ? rows : pad4(rows);
        matrix(rows, cols, rowsP, (r) => r);
      } else vector(dims[0] as number);
    }
    this.size = positions.length;
    this.paddedSize = offset;
    this.index = Int32Array.from(positions);
  }

  /** Writes a flat vector into a padded one (padding set to zero). */
  pad(flat: ArrayLike<number>, padded: Float32Array): void {
    if (flat.length !== this.size) throw new Error(`expected ${this.size} parameters, got ${flat.length}`);
    padded.fill(0, 0, this.paddedSize);
    for (let i = 0; i < this.size; i++) padded[this.index[i] as number] = flat[i] as number;
  }

  /** A flat copy of a padded vector. */
  unpad(padded: Float32Array): Float32Array {
    const out = new Float32Array(this.size);
    for (let i = 0; i < this.size; i++) out[i] = padded[this.index[i] as number] as number;
    return out;
  }
}
