/**
 * The fused engine keeps θ in a padded layout: hidden widths rounded up to a multiple of 4 so every
 * SIMD row is whole. This maps the project's flat θ layout ([W1 (in×out row-major), b1, W2, b2,
 * ...], see src/core/models/mlp.ts) to padded positions and back. Padded slots are always zero.
 */
export class PaddedLayout {
  /** parameter count in the project's flat layout */
  readonly size: number;
  /** padded parameter count, rounded up to a multiple of 4 (the wasm vectors' length) */
  readonly paddedSize: number;
  /** padded position of each flat parameter */
  private readonly index: Int32Array;

  constructor(sizes: readonly number[]) {
    const padded = sizes.map((s, i) => (i === 0 || i === sizes.length - 1 ? s : Math.ceil(s / 4) * 4));
    const positions: number[] = [];
    let offset = 0;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const [a, b] = [sizes[l] as number, sizes[l + 1] as number];
      const pb = padded[l + 1] as number;
      const pa = padded[l] as number;
      for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) positions.push(offset + i * pb + j);
      offset += pa * pb;
      for (let j = 0; j < b; j++) positions.push(offset + j);
      offset += pb;
    }
    this.size = positions.length;
    this.paddedSize = Math.ceil(offset / 4) * 4;
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
