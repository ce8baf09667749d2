/**
 * One shared animation-frame queue for every chart. A chart asks for a redraw; the draw runs in
 * the next frame and reads the latest state then (intermediate states are never drawn). A frame
 * stops starting new draws once it has spent its budget, so the charts that changed together are
 * spread over consecutive frames instead of making one long task.
 */
const pending = new Set<() => void>();
let frame = 0;
const BUDGET_MS = 6;

function run(): void {
  frame = 0;
  const t0 = performance.now();
  for (const draw of pending) {
    pending.delete(draw);
    draw();
    if (performance.now() - t0 > BUDGET_MS) break;
  }
  if (pending.size > 0) frame = requestAnimationFrame(run);
}

export function requestDraw(draw: () => void): void {
  pending.add(draw);
  if (frame === 0) frame = requestAnimationFrame(run);
}

export function cancelDraw(draw: () => void): void {
  pending.delete(draw);
}
