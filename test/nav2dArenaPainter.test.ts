import { describe, expect, it } from 'vitest';
import { panelPainter } from '../src/ui/families/nav2d/arenaPainter';
import type { ArenaMethodData } from '../src/worker/families/nav2dMessages';

/** A 2-D context that records the calls the painter makes. */
function recordingContext() {
  const calls: string[] = [];
  const record =
    (name: string) =>
    (...args: unknown[]) =>
      calls.push(`${name}(${args.map((a) => JSON.stringify(a)).join(',')})`);
  const ctx = new Proxy(
    {},
    {
      get: (_, key: string) => record(key),
      set: (_, key: string, value: unknown) => calls.push(`${key}=${JSON.stringify(value)}`) > 0,
    },
  );
  return { ctx, calls };
}

/** Two trajectories of 3 points each (horizon 2) before the step, one after it. */
const data: ArenaMethodData = {
  pre: { points: new Float32Array(12).fill(0.1), lengths: new Int32Array([3, 3]), averageReturn: -5 },
  post: { points: new Float32Array(6).fill(0.2), lengths: new Int32Array([3]), averageReturn: -2 },
};

describe('2-D navigation page: the arena painter', () => {
  it('draws in place where there is no worker or OffscreenCanvas (Node), on the whole panel canvas', () => {
    const { ctx, calls } = recordingContext();
    let transferred = false;
    const canvas = {
      getContext: () => ctx,
      transferControlToOffscreen: () => {
        transferred = true;
      },
    } as unknown as HTMLCanvasElement;
    const { paint, release } = panelPainter(canvas, 120, 2);
    paint(data, 2, '#123456');
    expect(transferred).toBe(false);
    expect(calls[0]).toBe('setTransform(2,0,0,2,0,0)');
    expect(calls).toContain('clearRect(0,0,120,120)');
    // the trajectories before the step dashed, after it solid in the method's colour: one stroke each
    expect(calls.filter((c) => c === 'stroke()')).toHaveLength(2);
    expect(calls.filter((c) => c.startsWith('moveTo('))).toHaveLength(3);
    expect(calls).toContain('setLineDash([3,2])');
    expect(calls).toContain('strokeStyle="#123456"');
    // no clip path: the panel's canvas bounds the strokes
    expect(calls).not.toContain('clip()');
    calls.length = 0;
    paint(undefined, 2, '#123456');
    expect(calls).toContain('clearRect(0,0,120,120)');
    expect(calls).not.toContain('stroke()');
    release();
  });
});
