/**
 * One shared animation-frame queue for every chart and for the worker's messages. A chart asks
 * for a redraw; the draw runs in a coming frame and reads the latest state then (intermediate
 * states are never drawn). Each draw's cost is remembered (a moving average of its last runs); a
 * frame starts a draw only if it still fits in the frame's budget, so heavy redraws (the task
 * view's fans, the learning curve) land in different frames instead of adding up to one long
 * task. The first draw of a frame always runs, and a draw that had to wait goes first in the next
 * frame, so nothing waits for long. A job marked `alone` (applying the worker's messages, whose
 * React render follows in the same task) gets a frame to itself.
 */
const pending = new Set<() => void>();
const cost = new WeakMap<() => void, number>();
const solo = new WeakSet<() => void>();
let frame = 0;
const BUDGET_MS = 8;

function run(): void {
  frame = 0;
  const t0 = performance.now();
  let ran = 0;
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
    if (solo.has(draw)) break;
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
