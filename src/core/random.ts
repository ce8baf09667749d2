/**
 * Seeded pseudo-random numbers. Every random number in the project (task sampling, weight
 * initialisation, evaluation tasks) comes from an Rng derived from the experiment seed, so a
 * config + seed always produces the same data on every backend.
 */

/** 32-bit string hash (FNV-1a), used to derive independent named streams from one seed. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** splitmix32: turns an arbitrary 32-bit value into a well-mixed one (seeding only). */
function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** sfc32 generator: small, fast, passes PractRand for the sizes we use. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number, stream = '') {
    const s = splitmix32((seed >>> 0) ^ hashString(stream));
    this.a = splitmix32(s);
    this.b = splitmix32(this.a);
    this.c = splitmix32(this.b);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32(); // warm up
  }

  /** The generator's position: four 32-bit words, and a cached normal deviate when there is one. */
  state(): number[] {
    return this.spareNormal === null
      ? [this.a, this.b, this.c, this.d]
      : [this.a, this.b, this.c, this.d, this.spareNormal];
  }

  /** Continue exactly from a position taken with state(). */
  setState(s: readonly number[]): void {
    if (s.length < 4 || s.length > 5 || !s.every(Number.isFinite)) throw new Error('not a generator state');
    [this.a, this.b, this.c, this.d] = s.map((v, i) => (i < 4 ? v | 0 : v)) as [
      number,
      number,
      number,
      number,
    ];
    this.spareNormal = s.length === 5 ? (s[4] as number) : null;
  }

  /** An independent generator for a named purpose, e.g. rng.fork('init'). */
  static stream(seed: number, name: string): Rng {
    return new Rng(seed, name);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }
}
