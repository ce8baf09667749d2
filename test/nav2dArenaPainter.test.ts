import { afterEach, describe, expect, it, vi } from 'vitest';
import { onPainterLost, panelPainter } from '../src/ui/families/nav2d/arenaPainter';
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

  afterEach(() => vi.unstubAllGlobals());

  it('hands each canvas to its worker; when the worker fails, the arena is told and new panels draw in place', () => {
    const made: { posted: unknown[]; terminated: boolean; onerror: ((e: Event) => void) | null }[] = [];
    vi.stubGlobal('OffscreenCanvas', class {});
    vi.stubGlobal(
      'Worker',
      class {
        posted: unknown[] = [];
        terminated = false;
        onerror: ((e: Event) => void) | null = null;
        onmessageerror: (() => void) | null = null;
        constructor() {
          made.push(this);
        }
        postMessage(m: unknown) {
          this.posted.push(m);
        }
        terminate() {
          this.terminated = true;
        }
      },
    );
    const offscreen = {};
    const handed = {
      getContext: () => null,
      transferControlToOffscreen: () => offscreen,
    } as unknown as HTMLCanvasElement;
    let lost = 0;
    const unsubscribe = onPainterLost(() => lost++);
    const { paint } = panelPainter(handed, 120, 2);
    paint(data, 2, '#123456');
    expect(made).toHaveLength(1);
    expect(made[0]!.posted.map((m) => (m as { kind: string }).kind)).toEqual(['panel', 'draw']);
    expect((made[0]!.posted[0] as { canvas: unknown }).canvas).toBe(offscreen);

    made[0]!.onerror?.(new Event('error'));
    expect(made[0]!.terminated).toBe(true);
    expect(lost).toBe(1);
    // the arena's new canvas: drawn in place, no new worker
    const { ctx, calls } = recordingContext();
    let transferred = false;
    const fresh = {
      getContext: () => ctx,
      transferControlToOffscreen: () => {
        transferred = true;
      },
    } as unknown as HTMLCanvasElement;
    panelPainter(fresh, 120, 2).paint(data, 2, '#123456');
    expect(made).toHaveLength(1);
    expect(transferred).toBe(false);
    expect(calls.filter((c) => c === 'stroke()')).toHaveLength(2);
    unsubscribe();
  });
});
