import { describe, expect, it } from 'vitest';
import { nearestIndex, stepIndex } from '../src/ui/kit/hover';

describe('nearestIndex', () => {
  const xs = [10, 20, 40, 80];

  it('finds the nearest place, at, between, before and after the places', () => {
    expect(nearestIndex(xs, 20)).toBe(1);
    expect(nearestIndex(xs, 33)).toBe(2);
    expect(nearestIndex(xs, 27)).toBe(1);
    expect(nearestIndex(xs, -5)).toBe(0);
    expect(nearestIndex(xs, 1000)).toBe(3);
  });

  it('gives a tie to the lower place, and -1 without places', () => {
    expect(nearestIndex(xs, 30)).toBe(1);
    expect(nearestIndex(xs, 15)).toBe(0);
    expect(nearestIndex([], 3)).toBe(-1);
    expect(nearestIndex([7], 3)).toBe(0);
  });

  it('agrees with a linear scan on typed arrays', () => {
    const sorted = Float64Array.from({ length: 200 }, (_, i) => i * i * 0.37);
    for (let x = -10; x < 15_000; x += 17.3) {
      let best = 0;
      sorted.forEach((v, i) => {
        if (Math.abs(v - x) < Math.abs((sorted[best] as number) - x)) best = i;
      });
      expect(nearestIndex(sorted, x)).toBe(best);
    }
  });
});

describe('stepIndex', () => {
  it('moves by one with the arrows, within the places', () => {
    expect(stepIndex(2, 5, 'ArrowLeft')).toBe(1);
    expect(stepIndex(2, 5, 'ArrowRight')).toBe(3);
    expect(stepIndex(0, 5, 'ArrowLeft')).toBe(0);
    expect(stepIndex(4, 5, 'ArrowUp')).toBe(4);
  });

  it('goes to the ends with Home and End, and ignores other keys and empty charts', () => {
    expect(stepIndex(2, 5, 'Home')).toBe(0);
    expect(stepIndex(2, 5, 'End')).toBe(4);
    expect(stepIndex(2, 5, 'a')).toBeNull();
    expect(stepIndex(0, 0, 'ArrowRight')).toBeNull();
  });
});
