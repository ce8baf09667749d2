/**
 * A sensitivity map trained in the page, timed from outside (npm run bench:map): open a map link
 * (default: the paper sinusoid configuration, α 0.001..0.3 × β 0.0001..0.01, 8×8 cells of 2,000
 * meta-steps), wait for the estimate, press Start, wait until every cell has finished. Prints the
 * wall time, the page's estimate, the workers, and the main thread's tasks over the run: the long
 * tasks the page observed (wall time) and, from Chromium's trace, each task's wall and CPU time
 * (`mainThread`; on a loaded machine wall time includes waiting for a core, CPU time is the page's
 * own work). --detail adds where the costliest tasks' CPU went (events and sampled functions).
 * --json writes the page's cells (as the map file's cells) for comparison with `npm run sweep`.
 * Exits 1 when a main-thread task took over --max-task-ms (50) of CPU time (--wall: of wall time,
 * as the page's long-task observer reports it).
 *   node scripts/bench-page-map.mjs [--link '<query>'] [--port 4311] [--json page-map.json]
 *                                   [--detail] [--wall] [--max-task-ms 50]
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { chromium } from '@playwright/test';
import { startPreview } from './previewServer.mjs';
import { traceMainThread } from './mainThreadTrace.mjs';

const DEFAULT_LINK =
  '?task=sinusoid&sweep=alpha:0.001..0.3:log:8,beta:0.0001..0.01:log:8&sweepsteps=2000&backend=wasm';

function flag(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const link = flag('link', DEFAULT_LINK);
const port = Number(flag('port', process.env.E2E_PORT ?? 4311));
const jsonPath = flag('json', null);
const gate = Number(flag('max-task-ms', 50));
const has = (name) => process.argv.includes(`--${name}`);

const preview = startPreview(port);
let browser = null;
try {
  await preview.ready();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await page.addInitScript(() => {
    globalThis.benchLongTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) globalThis.benchLongTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`${preview.base}${link}`);
  const estimate = page.getByTestId('sweep-estimate');
  await estimate.filter({ hasText: /measured/ }).waitFor({ timeout: 120_000 });
  const estimateText = (await estimate.textContent()) ?? '';
  await page.evaluate(() => {
    globalThis.benchLongTasks.length = 0;
  });
  const trace = await traceMainThread(page, { detail: has('detail') });
  const t0 = Date.now();
  await page.getByTestId('sweep-start').click();
  // the map's store says when it has ended (a locator's wait would poll the page's DOM meanwhile)
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const { sweep } = globalThis.maml;
        const ended = (s) => ['done', 'failed', 'cancelled'].includes(s.status);
        if (ended(sweep.getState())) resolve(null);
        const stop = sweep.subscribe((s) => {
          if (!ended(s)) return;
          stop();
          resolve(null);
        });
      }),
  );
  await page
    .getByTestId('sweep-progress')
    .filter({ hasText: /all \d+ cells finished/ })
    .waitFor({ timeout: 60_000 });
  const wallSec = (Date.now() - t0) / 1000;
  const mainThread = await trace.stop(gate);
  const out = await page.evaluate(() => {
    const s = globalThis.maml.sweep.getState();
    return {
      workers: s.workers,
      cores: navigator.hardwareConcurrency,
      tookSec: s.tookSec,
      cells: s.cells,
      reading: globalThis.document.querySelector('[data-testid=sweep-reading]')?.textContent ?? '',
      longTasks: globalThis.benchLongTasks,
    };
  });
  const over50 = out.longTasks.filter((d) => d > 50);
  const summary = {
    link,
    cells: out.cells.length,
    wallSec: Number(wallSec.toFixed(1)),
    pageTookSec: Number(out.tookSec.toFixed(1)),
    estimate: estimateText,
    workers: out.workers,
    hardwareConcurrency: out.cores,
    longTasksOver50ms: over50.length,
    longestTaskMs: Math.round(Math.max(0, ...out.longTasks)),
    reading: out.reading,
    loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
    mainThread,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  if (jsonPath) writeFileSync(jsonPath, `${JSON.stringify({ cells: out.cells }, null, 2)}\n`);
  const wall = has('wall') || !mainThread.cpuMeasured;
  // wall time as the page's long-task observer sees it (the e2e gates' measure); the trace also
  // counts tasks the observer does not attribute to the page
  const worst = wall ? summary.longestTaskMs : mainThread.longestCpuMs;
  const what = wall ? 'wall time' : 'CPU time';
  if (worst > gate) {
    process.stderr.write(`FAIL: a main-thread task of ${worst} ms ${what}, over the ${gate} ms gate\n`);
    process.exitCode = 1;
  } else process.stderr.write(`ok: no main-thread task over ${gate} ms of ${what} (longest ${worst} ms)\n`);
} finally {
  await browser?.close();
  preview.stop();
}
