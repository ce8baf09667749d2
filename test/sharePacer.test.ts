import { describe, expect, it } from 'vitest';
import { SharePacer } from '../src/worker/host/sideBudget';

describe('SharePacer', () => {
  it('spaces pieces run while training so they take at most their share of the time', async () => {
    const clock = { t: 0 };
    const pacer = new SharePacer(0.1, () => clock.t);
    expect(pacer.ready(true)).toBe(true);
    await pacer.run(() => {
      clock.t += 100;
      return Promise.resolve();
    }, true);
    // 100 ms of piece: the next waits 900 ms more
    clock.t += 899;
    expect(pacer.ready(true)).toBe(false);
    // paused, pieces run back to back
    expect(pacer.ready(false)).toBe(true);
    clock.t += 1;
    expect(pacer.ready(true)).toBe(true);
  });

  it('a piece run while paused leaves no wait, and a piece that throws is still paced', async () => {
    const clock = { t: 0 };
    const pacer = new SharePacer(0.5, () => clock.t);
    await pacer.run(() => {
      clock.t += 100;
      return Promise.resolve();
    }, false);
    expect(pacer.ready(true)).toBe(true);
    await expect(
      pacer.run(() => {
        clock.t += 100;
        return Promise.reject(new Error('piece failed'));
      }, true),
    ).rejects.toThrow('piece failed');
    clock.t += 99;
    expect(pacer.ready(true)).toBe(false);
    clock.t += 1;
    expect(pacer.ready(true)).toBe(true);
  });
});
