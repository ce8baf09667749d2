/**
 * One shared animation-frame queue for every chart and for the worker's messages. A chart asks
 * for a redraw; the draw runs in a coming frame and reads the latest state then (intermediate
 * states are never drawn). Each draw's cost is remembered (a moving average of its last runs); a
 * frame starts a draw only if it still fits in the frame's budget, so heavy redraws (the task
 * view's fans, the learning curve) land in different frames instead of adding up to one long
 * task. The first draw of a frame always runs, and a draw that had to wait goes first in the next
 * frame, so nothing waits for long. A job marked `alone` (applying the worker's messages, whose
 * React render follows in the same task) gets a frame to itself.
 *
 * A draw's cost includes the browser's work it causes: style, layout and paint run after the
 * frame's scripts, in the same task, and for SVG charts they often cost more than the script. A
 * message posted at the end of the frame arrives after them; the frame's whole time, less its
 * scripts, is shared among the frame's draws in proportion to their script time.
 */
const pending = new Set<() => void>();
const cost = new WeakMap<() => void, number>();
const solo = new WeakSet<() => void>();
let frame = 0;
const BUDGET_MS = 8;

/** the frame whose rendering is being timed: when it started, and what each of its draws took */
let timing: { t0: number; draws: [() => void, number][] } | null = null;
const afterRender = typeof MessageChannel === 'undefined' ? null : new MessageChannel();
if (afterRender) {
  afterRender.port1.onmessage = () => {
    const t = timing;
    timing = null;
    if (!t) return;
    const script = t.draws.reduce((sum, [, took]) => sum + took, 0);
    const rendering = Math.max(0, performance.now() - t.t0 - script);
    if (rendering === 0) return;
    for (const [draw, took] of t.draws) {
      const share = script > 0 ? took / script : 1 / t.draws.length;
      const before = cost.get(draw) ?? took;
      cost.set(draw, before + 0.3 * rendering * share);
    }
  };
  // (in Node, where the tests run, an open port would keep the process alive)
  (afterRender.port1 as unknown as { unref?: () => void }).unref?.();
}

function run(): void {
  frame = 0;
  const t0 = performance.now();
  let ran = 0;
  const draws: [() => void, number][] = [];
  for (const draw of pending) {
    const spent = performance.now() - t0;
    if (ran > 0 && (solo.has(draw) || spent + (cost.get(draw) ?? 0) > BUDGET_MS)) continue;
    pending.delete(draw);
    ran++;
    const d0 = performance.now();
    draw();
    const took = performance.now() - d0;
    const before = cost.get(draw);
    cost.set(draw, before === undefined ? took : 0.7 * before + 0.3 * took);
    draws.push([draw, took]);
    if (solo.has(draw)) break;
  }
  if (afterRender && draws.length > 0 && timing === null) {
    timing = { t0, draws };
    afterRender.port2.postMessage(null);
  }
  // a job above may already have asked for the next frame (the inbox's messages ask for redraws)
  if (pending.size > 0 && frame === 0) frame = requestAnimationFrame(run);
}

export function requestDraw(draw: () => void, alone = false): void {
  if (alone) solo.add(draw);
  pending.add(draw);
  if (frame === 0) frame = requestAnimationFrame(run);
}

export function cancelDraw(draw: () => void): void {
  pending.delete(draw);
}
