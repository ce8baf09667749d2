import { describe, expect, it } from 'vitest';
import { READY_HOLD_MS, SIDE_SHARE, SideBudget } from '../src/worker/host/sideBudget';

/** A worker's loop on a fake clock: train `chunk` ms, then side work of `piece` ms when allowed. */
async function loop(piece: number, chunk: number, totalMs: number, running = true) {
  let t = 0;
  const budget = new SideBudget(() => t);
  let side = 0;
  while (t < totalMs) {
    t += chunk;
    if (budget.allows(running)) {
      await budget.spend(async () => {
        t += piece;
      }, running);
      side += piece;
    }
  }
  return side / t;
}

describe('SideBudget', () => {
  it('keeps side work to its share while training, whatever the size of one piece', async () => {
    for (const piece of [1, 10, 100, 400, 2000]) {
      for (const chunk of [5, 30]) {
        const share = await loop(piece, chunk, 120_000);
        expect(share, `piece ${piece} ms, chunk ${chunk} ms`).toBeLessThanOrEqual(SIDE_SHARE + 0.01);
        // and it does get its share (no starvation), or one piece per chunk where that is less
        const most = Math.min(SIDE_SHARE, piece / (piece + chunk));
        expect(share, `piece ${piece} ms, chunk ${chunk} ms`).toBeGreaterThan(most - 0.03);
      }
    }
  });

  it('paused, side work runs freely and leaves no debt for when training resumes', async () => {
    expect(await loop(100, 5, 10_000, false)).toBeGreaterThan(0.9);
    let t = 0;
    const budget = new SideBudget(() => t);
    await budget.spend(async () => {
      t += 5000;
    }, false);
    t += 100;
    expect(budget.allows(true)).toBe(true);
  });

  it("after a ready, side work nobody asked for waits for the page's first requests, then runs", () => {
    let t = 1000;
    const budget = new SideBudget(() => t);
    expect(budget.allows(false)).toBe(true);
    budget.holdAfterReady();
    expect(budget.held).toBe(true);
    expect(budget.allows(false)).toBe(false);
    t += READY_HOLD_MS - 1;
    expect(budget.allows(false)).toBe(false);
    t += 1;
    expect(budget.held).toBe(false);
    expect(budget.allows(false)).toBe(true);
    expect(budget.heldUntil).toBe(1000 + READY_HOLD_MS);
  });
});
