import { afterEach, describe, expect, it, vi } from 'vitest';
import { OrdersSchedule } from '../src/worker/families/ordersSchedule';

/** Runs one comparison that takes `ms` on a fake clock; returns when it ended. */
async function compareTaking(schedule: OrdersSchedule, clock: { t: number }, ms: number): Promise<number> {
  await schedule.run(() => {
    clock.t += ms;
    return Promise.resolve(null);
  });
  return clock.t;
}

describe('OrdersSchedule', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('spaces comparisons while training so they take at most their share, never closer than minMs', async () => {
    const clock = { t: 10_000 };
    vi.spyOn(performance, 'now').mockImplementation(() => clock.t);
    for (const [share, ms] of [
      [0.05, 1000],
      [0.02, 1000],
      [0.02, 20],
    ] as const) {
      const schedule = new OrdersSchedule(5000, share);
      const end = await compareTaking(schedule, clock, ms);
      const interval = Math.max(5000, ms / share);
      expect(schedule.due(true, end + interval - 1), `share ${share}, ${ms} ms`).toBe(false);
      expect(schedule.due(true, end + interval + 1), `share ${share}, ${ms} ms`).toBe(true);
    }
  });

  it('the default share is a twentieth; paused, a comparison is due once per change', async () => {
    const clock = { t: 0 };
    vi.spyOn(performance, 'now').mockImplementation(() => clock.t);
    const schedule = new OrdersSchedule(3000);
    expect(schedule.due(false, 0)).toBe(true);
    const end = await compareTaking(schedule, clock, 400);
    expect(schedule.due(false, end)).toBe(false);
    expect(schedule.due(true, end + 7999)).toBe(false);
    expect(schedule.due(true, end + 8001)).toBe(true);
    schedule.markDirty();
    expect(schedule.due(false, end)).toBe(true);
  });
});
