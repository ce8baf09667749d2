import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// a fake clock and a fake frame loop: each draw "costs" what it adds to the clock
let now = 0;
let frames: FrameRequestCallback[] = [];
function nextFrame(): void {
  const run = frames;
  frames = [];
  for (const cb of run) cb(now);
}

beforeEach(() => {
  vi.resetModules();
  now = 0;
  frames = [];
  vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => {
    frames.push(cb);
    return frames.length;
  });
  vi.spyOn(performance, 'now').mockImplementation(() => now);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

async function scheduler() {
  return import('../src/ui/kit/frameScheduler');
}

describe('the frame scheduler', () => {
  it('spreads heavy draws over frames once it knows their cost, and starves none', async () => {
    const { requestDraw } = await scheduler();
    const log: string[] = [];
    const heavy = (name: string) => () => {
      log.push(name);
      now += 12;
    };
    const a = heavy('a');
    const b = heavy('b');
    const c = heavy('c');
    // first time: costs unknown, the frame stops once over budget
    for (const d of [a, b, c]) requestDraw(d);
    nextFrame();
    expect(log).toEqual(['a']);
    nextFrame();
    nextFrame();
    expect(log).toEqual(['a', 'b', 'c']);
    // now every draw is known to be heavy: one per frame, in the order asked
    log.length = 0;
    for (const d of [c, a, b]) requestDraw(d);
    for (let i = 0; i < 3; i++) {
      nextFrame();
      expect(log.length).toBe(i + 1);
    }
    expect(log).toEqual(['c', 'a', 'b']);
    expect(frames.length).toBe(0);
  });

  it('runs several light draws in one frame', async () => {
    const { requestDraw } = await scheduler();
    let n = 0;
    const light = Array.from({ length: 5 }, () => () => {
      n++;
      now += 1;
    });
    light.forEach((d) => requestDraw(d));
    nextFrame();
    expect(n).toBe(5);
  });

  it('gives a job marked alone a frame to itself, and asks for one draw only once', async () => {
    const { requestDraw, cancelDraw } = await scheduler();
    const log: string[] = [];
    const chart = () => log.push('chart');
    const inbox = () => log.push('inbox');
    const gone = () => log.push('gone');
    requestDraw(chart);
    requestDraw(chart);
    requestDraw(inbox, true);
    requestDraw(gone);
    cancelDraw(gone);
    nextFrame();
    expect(log).toEqual(['chart']);
    nextFrame();
    expect(log).toEqual(['chart', 'inbox']);
    requestDraw(inbox, true);
    requestDraw(chart);
    nextFrame();
    expect(log).toEqual(['chart', 'inbox', 'inbox']);
    nextFrame();
    expect(log).toEqual(['chart', 'inbox', 'inbox', 'chart']);
  });
});

describe('the frame scheduler, when the browser renders what a frame drew', () => {
  it("counts the style, layout and paint after a frame's scripts in its draws' cost", async () => {
    const { requestDraw } = await scheduler();
    const log: string[] = [];
    // light scripts (2 ms each) whose SVG costs the browser 40 ms to lay out and paint
    const draw = (name: string) => () => {
      log.push(name);
      now += 2;
    };
    const a = draw('a');
    const b = draw('b');
    requestDraw(a);
    requestDraw(b);
    nextFrame();
    expect(log).toEqual(['a', 'b']);
    now += 40;
    // the message posted at the end of the frame arrives once the browser has rendered it
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    // now known to be heavy: one per frame
    log.length = 0;
    requestDraw(a);
    requestDraw(b);
    nextFrame();
    expect(log).toEqual(['a']);
    nextFrame();
    expect(log).toEqual(['a', 'b']);
  });
});

describe('the frame scheduler, when a job asks for draws', () => {
  it('asks for one next frame, not two (two would run two budgets in one frame)', async () => {
    const { requestDraw } = await scheduler();
    const chart = () => {
      now += 12;
    };
    const inbox = () => requestDraw(chart);
    requestDraw(inbox, true);
    requestDraw(() => {}, false);
    nextFrame();
    expect(frames.length).toBe(1);
  });
});
