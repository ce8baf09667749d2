import { describe, expect, it } from 'vitest';
import { walkArrows, walkPaths, walkPlane, onWalkPlane } from '../src/core/meta/walkPlane';
import type { MetaStepWalk } from '../src/core/meta/walkthrough';

/** A walk with only the fields the plane reads filled in. */
function walkOf(parts: Partial<MetaStepWalk>): MetaStepWalk {
  return {
    algo: 'maml',
    theta: Float32Array.from([1, 2, 3, 4]),
    adapted: [],
    gradient: Float32Array.from([1, 0, 0, 0]),
    firstOrder: null,
    correction: null,
    ...parts,
  } as MetaStepWalk;
}

const degrees = (a: [number, number], b: [number, number]) =>
  (Math.acos((a[0] * b[0] + a[1] * b[1]) / (Math.hypot(...a) * Math.hypot(...b))) * 180) / Math.PI;

describe('the walk-through plane', () => {
  it('holds −g and −g₁ exactly, so their angle and lengths are the true ones', () => {
    const g = Float32Array.from([3, -1, 2, 0.5]);
    const g1 = Float32Array.from([2.5, 0.5, 2, -1]);
    const correction = g.map((v, i) => v - (g1[i] as number));
    const plane = walkPlane(walkOf({ gradient: g, firstOrder: g1, correction }));
    const [a, b, c] = walkArrows(plane, walkOf({ gradient: g, firstOrder: g1, correction }));
    // −g lies along the first axis (the descent direction), its whole length
    expect(a!.tip[0]).toBeCloseTo(Math.hypot(...g), 5);
    expect(Math.abs(a!.tip[1])).toBeLessThan(1e-6);
    // both vectors are in the plane: projected lengths are the full lengths
    expect(Math.hypot(...b!.tip)).toBeCloseTo(b!.norm, 5);
    const cos = g.reduce((s, v, i) => s + v * (g1[i] as number), 0) / (a!.norm * b!.norm);
    expect(degrees(a!.tip, b!.tip)).toBeCloseTo((Math.acos(cos) * 180) / Math.PI, 4);
    // the correction is their difference, in the plane too
    expect(c!.tip[0]).toBeCloseTo(a!.tip[0] - b!.tip[0], 5);
    expect(c!.tip[1]).toBeCloseTo(a!.tip[1] - b!.tip[1], 5);
  });

  it('puts θ at the origin and the inner-loop paths in θ units; falls back to an axis when there is no second direction', () => {
    const theta = Float32Array.from([1, 2, 3, 4]);
    const end = Float32Array.from([0.5, 2, 3, 4]);
    const walk = walkOf({
      algo: 'reptile',
      theta,
      gradient: Float32Array.from([0.5, 0, 0, 0]),
      adapted: [[theta, end]],
    });
    const plane = walkPlane(walk);
    expect(onWalkPlane(plane, theta)).toEqual([0, 0]);
    const [[start, last]] = walkPaths(plane, walk) as [[number, number][]];
    expect(start).toEqual([0, 0]);
    // the move θ′ − θ = −0.5 e₀ is along −g: 0.5 along the first axis
    expect(last![0]).toBeCloseTo(0.5, 6);
    expect(plane.axes[1]).toMatch(/coordinate axis/);
    const d1 = Array.from(plane.d1);
    const d2 = Array.from(plane.d2);
    expect(d1.reduce((s, v, i) => s + v * (d2[i] as number), 0)).toBeCloseTo(0, 6);
  });
});
