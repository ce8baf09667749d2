import { describe, expect, it } from 'vitest';
import { describeFrame, framesDuring } from '../scripts/longFrames.mjs';

const frame = (t: number, ms: number, scripts: { fn: string; ms: number; forcedLayoutMs?: number }[]) => ({
  t,
  ms,
  blockingMs: ms - 50,
  renderMs: 12.4,
  styleLayoutMs: 8.6,
  scripts: scripts.map((s) => ({
    invoker: 'FrameRequestCallback',
    fn: s.fn,
    file: 'a.js',
    char: 7,
    ms: s.ms,
    forcedLayoutMs: s.forcedLayoutMs ?? 0,
  })),
});

describe('the long animation frames of the browser benchmarks (scripts/longFrames.mjs)', () => {
  it('picks the frames that overlap a window of the page clock', () => {
    const frames = [frame(0, 60, []), frame(100, 70, []), frame(300, 55, [])];
    expect(framesDuring(frames, 50, 120).map((f) => f.t)).toEqual([0, 100]);
    expect(framesDuring(frames, 171, 299)).toEqual([]);
  });

  it('says a frame in words: its time, its rendering and each script with the layout it forced', () => {
    expect(describeFrame(frame(0, 61.7, [{ fn: 'draw', ms: 40.2, forcedLayoutMs: 3.1 }]))).toBe(
      '62 ms (rendering 12, style+layout 9): FrameRequestCallback draw@a.js:7 40 ms (forced layout 3)',
    );
    expect(describeFrame(frame(0, 55, []))).toBe('55 ms (rendering 12, style+layout 9): no script over 2 ms');
  });
});
