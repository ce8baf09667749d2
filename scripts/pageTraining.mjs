/**
 * The page's own meta-training rate, measured from outside in a Playwright browser (the
 * benchmarks bench:page and bench:browser share it): open a link, wait until it trains on the
 * engine asked for, press Play, warm up, then count the store's meta-steps between two reports
 * that bracket a window. Over that window it also records the main thread's long tasks and where
 * the worker's time went (its `mamlWorkProfile`, src/worker/host/workProfile.ts), and, given the
 * browser's process id, the CPU each of the browser's threads took (bench-page-cpu.mjs), and from
 * Chromium's trace each main-thread task's wall and CPU time (mainThreadTrace.mjs).
 */
import { cpuDelta, threadCpu } from './bench-page-cpu.mjs';
import { traceMainThread } from './mainThreadTrace.mjs';

/** The trainer's worker (the one with a work profile), or null. */
async function trainerWorker(page) {
  for (const worker of page.workers()) {
    const has = await worker
      .evaluate(() => typeof globalThis.mamlWorkProfile === 'object')
      .catch(() => false);
    if (has) return worker;
  }
  return null;
}

/** The worker's time by part between two reads of its profile: count, ms, and share of the window. */
function profileDelta(before, after, windowMs) {
  const parts = {};
  for (const [name, b] of Object.entries(after ?? {})) {
    const a = before?.[name] ?? { count: 0, ms: 0 };
    if (b.count === a.count) continue;
    const ms = b.ms - a.ms;
    parts[name] = { count: b.count - a.count, ms: Math.round(ms), share: Number((ms / windowMs).toFixed(3)) };
  }
  return parts;
}

/** The store's step and the time it arrived, at the first report after now. */
function nextReport(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const { store } = globalThis.maml;
        const from = store.getState().step;
        const stop = store.subscribe((s) => {
          if (s.step === from) return;
          stop();
          resolve({ step: s.step, t: performance.now() });
        });
      }),
  );
}

/**
 * Meta-steps per second of the page at `url` (1440×1000, every chart on screen), over `window`
 * seconds after `warmup` seconds of training. `settle`: a selector to wait for before Play (auto's
 * choice shown). Throws when the page trains on another engine than `engine`. Returns the rate,
 * the backend and engine shown, the longest main-thread task in the window and how many took
 * over 50 ms, the worker's time by part, and with `browserPid` the CPU by thread name (`cpu`) of
 * the processes under it that are not Node (the bench passes its own id: the browser is its child),
 * and `mainThread`: the traced tasks' longest wall and CPU times and how many took over `gate` ms
 * (with `detail`, where the costliest tasks' CPU went).
 */
export async function pageTrainingRate(
  browser,
  url,
  { engine, settle = null, warmup, window, browserPid = null, detail = false, gate = 50 },
) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  try {
    await page.addInitScript(() => {
      globalThis.benchLongTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) globalThis.benchLongTasks.push({ t: e.startTime, ms: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(url);
    await page
      .getByRole('status')
      .filter({ hasText: /wasm|webgpu|cpu/ })
      .waitFor({ timeout: 120_000 });
    if (settle) await page.locator(settle).waitFor({ timeout: 60_000 });
    // (Play waits while the page opens its run: a shipped θ loading, its first views)
    await page.getByRole('button', { name: 'Play' }).click({ timeout: 120_000 });
    await page.waitForTimeout(warmup * 1000);
    const worker = await trainerWorker(page);
    const readProfile = () => worker?.evaluate(() => structuredClone(globalThis.mamlWorkProfile)) ?? null;
    // a window that starts and ends on a report counts whole meta-steps, however long each takes
    const trace = await traceMainThread(page, { detail });
    const a = await nextReport(page);
    const c0 = threadCpu(browserPid, ['node']);
    const p0 = await readProfile();
    await page.waitForTimeout(window * 1000);
    const b = await nextReport(page);
    const c1 = threadCpu(browserPid, ['node']);
    const p1 = await readProfile();
    const mainThread = await trace.stop(gate);
    const shown = async (name) => (await page.locator(`[data-readout="${name}"]`).textContent())?.trim();
    const engineShown = await shown('engine');
    if (engineShown !== engine) throw new Error(`the page trained on ${engineShown}, not ${engine}`);
    const long = await page.evaluate(
      ([from, to]) => globalThis.benchLongTasks.filter((e) => e.t >= from && e.t <= to).map((e) => e.ms),
      [a.t, b.t],
    );
    return {
      rate: ((b.step - a.step) * 1000) / (b.t - a.t),
      backend: await shown('backend'),
      engine: engineShown,
      longestTaskMs: Math.round(Math.max(0, ...long)),
      tasksOver50ms: long.filter((ms) => ms > 50).length,
      worker: profileDelta(p0, p1, b.t - a.t),
      cpu: cpuDelta(c0, c1, b.t - a.t),
      mainThread,
    };
  } finally {
    await page.close();
  }
}

/** The worker's time by part as lines for a log. */
export function workerLines(parts) {
  return Object.entries(parts).map(
    ([part, t]) => `  worker ${part}: ${t.count} × in ${t.ms} ms (${Math.round(t.share * 100)}%)\n`,
  );
}
