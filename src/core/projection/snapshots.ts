/**
 * A bounded history of θ during meta-training, for the trajectory PCA.
 *
 * Snapshots are recorded every `interval` steps into one preallocated [capacity, P] Float32Array.
 * When the buffer is full, every other snapshot is dropped (indices 1, 3, 5, … go, so the first
 * snapshot θ₀ stays) and the interval doubles: the history keeps covering the whole run at an even
 * spacing, with memory fixed at capacity·P floats. The newest snapshot is never dropped (thinning
 * happens just before a new one is appended).
 *
 * The buffer also keeps the Gram matrix of the displacements from the first snapshot,
 * G[i][j] = (θᵢ − θ₀)·(θⱼ − θ₀) in Float64, updated in O(S·P) per snapshot and thinned along with
 * the rows, so the PCA never recomputes the O(S²·P) Gram from scratch. Displacements from θ₀
 * (rather than raw θ) keep the later double-centring free of cancellation.
 */
export interface SnapshotOptions {
  /** most snapshots kept (default 256, at least 2) */
  capacity?: number;
  /** initial recording interval in steps (default 1) */
  interval?: number;
}

export class SnapshotBuffer {
  readonly capacity: number;
  private readonly initialInterval: number;
  private currentInterval: number;
  /** parameters per snapshot P; 0 until the first snapshot fixes it */
  private p = 0;
  private count = 0;
  private rows: Float32Array = new Float32Array(0);
  private readonly stepOf: Float64Array;
  private readonly g: Float64Array;
  /** scratch: the new snapshot's displacement from θ₀ in Float64 */
  private disp = new Float64Array(0);
  /** bumps on every change (record, thinning, clear): hosts recompute the plane when it moves */
  version = 0;

  constructor(options: SnapshotOptions = {}) {
    const capacity = Math.floor(options.capacity ?? 256);
    const interval = options.interval ?? 1;
    if (!(capacity >= 2)) throw new Error('snapshot capacity must be at least 2');
    if (!(interval > 0)) throw new Error('snapshot interval must be positive');
    this.capacity = capacity;
    this.initialInterval = interval;
    this.currentInterval = interval;
    this.stepOf = new Float64Array(capacity);
    this.g = new Float64Array(capacity * capacity);
  }

  /** number of snapshots held */
  get length(): number {
    return this.count;
  }

  /** parameters per snapshot (0 while empty) */
  get size(): number {
    return this.p;
  }

  /** steps between recorded snapshots; doubles at each thinning */
  get interval(): number {
    return this.currentInterval;
  }

  /** step number of the newest snapshot (NaN while empty) */
  get lastStep(): number {
    return this.count > 0 ? (this.stepOf[this.count - 1] as number) : NaN;
  }

  /** Whether a snapshot at `step` would be recorded: ask before reading θ back from the device. */
  due(step: number): boolean {
    return this.count === 0 || step - this.lastStep >= this.currentInterval;
  }

  /** Record θ at `step` if it is due; returns whether it was recorded. θ is copied. */
  record(step: number, theta: ArrayLike<number>): boolean {
    if (!this.due(step)) return false;
    this.push(step, theta);
    return true;
  }

  /** Record θ at `step` unconditionally (e.g. the final θ when training stops), thinning if full. */
  push(step: number, theta: ArrayLike<number>): void {
    if (this.count === 0 && this.p !== theta.length) {
      this.p = theta.length;
      this.rows = new Float32Array(this.capacity * this.p);
      this.disp = new Float64Array(this.p);
    }
    if (theta.length !== this.p) {
      throw new Error(`snapshot has ${theta.length} parameters, the buffer holds ${this.p}`);
    }
    if (this.count === this.capacity) this.thin();
    const p = this.p;
    const r = this.count;
    this.rows.set(theta, r * p);
    this.stepOf[r] = step;
    // Gram row of the new displacement against every kept one
    const d = this.disp;
    const rows = this.rows;
    for (let k = 0; k < p; k++) d[k] = (rows[r * p + k] as number) - (rows[k] as number);
    const cap = this.capacity;
    for (let j = 0; j <= r; j++) {
      let s = 0;
      const o = j * p;
      for (let k = 0; k < p; k++) s += (d[k] as number) * ((rows[o + k] as number) - (rows[k] as number));
      this.g[r * cap + j] = s;
      this.g[j * cap + r] = s;
    }
    this.count += 1;
    this.version += 1;
  }

  /**
   * Keep snapshots 0, 2, 4, … (θ₀ included) and double the interval: the history stays evenly
   * spaced, with half as many snapshots to come per step (each costs O(S·P) for the Gram row).
   */
  coarsen(): void {
    this.thin();
  }

  private thin(): void {
    const p = this.p;
    const cap = this.capacity;
    const kept = Math.ceil(this.count / 2);
    for (let j = 1; j < kept; j++) {
      this.rows.copyWithin(j * p, 2 * j * p, (2 * j + 1) * p);
      this.stepOf[j] = this.stepOf[2 * j] as number;
    }
    // in place: the source (2j, 2k) never precedes the destination (j, k) in row-major order
    for (let j = 0; j < kept; j++) {
      for (let k = 0; k < kept; k++) this.g[j * cap + k] = this.g[2 * j * cap + 2 * k] as number;
    }
    this.count = kept;
    this.currentInterval *= 2;
    this.version += 1;
  }

  /** Forget everything (a new run, a reset θ); the interval returns to its initial value. */
  clear(): void {
    this.count = 0;
    this.currentInterval = this.initialInterval;
    this.version += 1;
  }

  /** Step number of snapshot i. */
  step(i: number): number {
    if (i < 0 || i >= this.count) throw new RangeError(`snapshot ${i} of ${this.count}`);
    return this.stepOf[i] as number;
  }

  /** Snapshot i as a view into the buffer (valid until the next record or thinning). */
  row(i: number): Float32Array {
    if (i < 0 || i >= this.count) throw new RangeError(`snapshot ${i} of ${this.count}`);
    return this.rows.subarray(i * this.p, (i + 1) * this.p);
  }

  /** All snapshots, row-major [length, P], as a view (valid until the next record or thinning). */
  data(): Float32Array {
    return this.rows.subarray(0, this.count * this.p);
  }

  /** Step numbers of the snapshots, oldest first (a copy). */
  steps(): Float64Array {
    return this.stepOf.slice(0, this.count);
  }

  /** Gram matrix of the displacements from the first snapshot, [length, length] (a copy). */
  displacementGram(): Float64Array {
    const s = this.count;
    const cap = this.capacity;
    const out = new Float64Array(s * s);
    for (let i = 0; i < s; i++) out.set(this.g.subarray(i * cap, i * cap + s), i * s);
    return out;
  }
}
