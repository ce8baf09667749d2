import { describe, expect, it } from 'vitest';
import { relError } from './finiteDifference';
import { assertComparable, dot, relDiff } from './helpers';

// The tests' comparison helpers: an empty or truncated result must fail, never pass a tolerance.
describe('comparison helpers', () => {
  const full = Float32Array.from([1, 2, 3, 4]);

  it('equal results compare as equal and different ones as different', () => {
    expect(relDiff(full, Float32Array.from(full))).toBe(0);
    expect(relError(full, Float32Array.from(full))).toBe(0);
    expect(relDiff(Float32Array.from([1, 2, 3, 5]), full)).toBeCloseTo(1 / Math.sqrt(30), 12);
    expect(dot(full, full)).toBe(30);
  });

  for (const [name, fn] of [
    ['relDiff', relDiff],
    ['relError', relError],
    ['dot', dot],
    ['assertComparable', assertComparable],
  ] as const) {
    it(`${name}: an empty result throws`, () => {
      expect(() => fn(new Float32Array(0), full)).toThrow(/length/);
      expect(() => fn(full, new Float32Array(0))).toThrow(/length/);
      expect(() => fn([], [])).toThrow(/empty/);
    });
    it(`${name}: a truncated result throws, whichever side is short`, () => {
      expect(() => fn(full.subarray(0, 3), full)).toThrow(/4/);
      expect(() => fn(full, full.subarray(0, 3))).toThrow(/4/);
    });
  }
});
