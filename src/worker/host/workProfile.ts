/**
 * Where the worker's time goes, part by part (the training steps, each kind of side work): how
 * many times each part ran and for how many milliseconds in all. It lives in the worker's global
 * scope as `mamlWorkProfile`, so a benchmark reads it from outside (Playwright's
 * `worker.evaluate`) and takes differences over a window; nothing in the app reads it. Costs a
 * clock read and an addition per part.
 */

export interface PartTime {
  /** runs (for 'train': meta-steps) */
  count: number;
  ms: number;
  /** the longest single run */
  maxMs: number;
}

export type WorkProfile = Record<string, PartTime>;

const scope = globalThis as { mamlWorkProfile?: WorkProfile };

/** The profile so far (made on first use). */
export function workProfile(): WorkProfile {
  return (scope.mamlWorkProfile ??= {});
}

/** `count` more runs of `part`, taking `ms` in all. */
export function addWork(part: string, ms: number, count = 1): void {
  const profile = workProfile();
  const p = (profile[part] ??= { count: 0, ms: 0, maxMs: 0 });
  p.count += count;
  p.ms += ms;
  p.maxMs = Math.max(p.maxMs, count > 1 ? ms / count : ms);
}

/** Run `fn` and add its time to `part` (also when it throws). */
export async function timeWork<T>(part: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    addWork(part, performance.now() - t0);
  }
}
