/**
 * A whole 2-D navigation run in the built page, timed from outside:
 *   npm run bench:nav2d-page -- [--json out.json] [--steps 500] [--link '?task=nav2d'] [--port 4177]
 * Opens the link (default: the paper's settings, the pretrained baseline trained alongside) in the
 * system Chromium at 1440×1000, waits until the page has chosen its engine, presses Play and
 * waits for meta-iteration `--steps`, then pauses. It reports the wall time from Play to that
 * step (the page's own clock), the backend and engine shown, the main thread's long tasks over the
 * run (the longest, how many took over 50 ms), the page's last post-update return and its
 * held-out return after one step. Every 30 s it logs the step reached and the long tasks so far,
 * so a run stopped early still says how far it got.
 */
import { writeFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { scriptFlags } from './scriptFlags.mjs';
import { startPreview } from './previewServer.mjs';

const { option, count } = scriptFlags(
  ['json', 'steps', 'link', 'port'],
  "npm run bench:nav2d-page -- [--json out.json] [--steps 500] [--link '?task=nav2d'] [--port 4177]",
);
const steps = count('steps', 500);
const link = option('link', '?task=nav2d');
const json = option('json', null);
const preview = startPreview(Number(option('port', '4177')));

/** The store's step once it reaches `target`, and the page's clock then; logs the step every 30 s. */
function stepReached(page, target) {
  return page.evaluate(
    (want) =>
      new Promise((resolve) => {
        const { store } = globalThis.maml;
        const t0 = performance.now();
        // every 30 s: the step, the seconds since Play and the run's long tasks so far
        const log = setInterval(() => {
          const long = globalThis.benchLongTasks.filter((e) => e.t >= t0).map((e) => Math.round(e.ms));
          const s = ((performance.now() - t0) / 1000).toFixed(0);
          const over = long.filter((ms) => ms > 50).length;
          console.log(
            `bench: meta-iteration ${store.getState().step} at ${s} s; longest task ${Math.max(0, ...long)} ms, ${over} over 50 ms`,
          );
        }, 30_000);
        const check = (s) => {
          if (s.step < want) return false;
          clearInterval(log);
          resolve({ step: s.step, t: performance.now() });
          return true;
        };
        if (check(store.getState())) return;
        const stop = store.subscribe((s) => {
          if (check(s)) stop();
        });
      }),
    target,
  );
}

async function run(browser) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.on('console', (m) => m.text().startsWith('bench:') && process.stderr.write(`${m.text()}\n`));
  await page.addInitScript(() => {
    globalThis.benchLongTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) globalThis.benchLongTasks.push({ t: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`${preview.base}${link}`);
  await page
    .getByRole('status')
    .filter({ hasText: /wasm|webgpu|cpu/ })
    .waitFor({ timeout: 180_000 });
  // auto mode shows its choice once it has measured; a forced engine shows none
  await page
    .locator('[data-testid="backend-choice"]')
    .waitFor({ timeout: 120_000 })
    .catch(() => undefined);
  await page.getByRole('button', { name: 'Play' }).click({ timeout: 120_000 });
  const t0 = await page.evaluate(() => performance.now());
  const from = await page.evaluate(() => globalThis.maml.store.getState().step);
  const end = await stepReached(page, steps);
  await page.getByRole('button', { name: 'Pause' }).click();
  const shown = async (name) => (await page.locator(`[data-readout="${name}"]`).textContent())?.trim();
  const long = await page.evaluate(
    ([a, b]) => globalThis.benchLongTasks.filter((e) => e.t >= a && e.t <= b).map((e) => e.ms),
    [t0, end.t],
  );
  const result = {
    link,
    from,
    step: end.step,
    seconds: Number(((end.t - t0) / 1000).toFixed(1)),
    backend: await shown('backend'),
    engine: await shown('engine'),
    postUpdateReturn: await shown('loss'),
    heldOut: await shown('eval'),
    longestTaskMs: Math.round(Math.max(0, ...long)),
    tasksOver50ms: long.filter((ms) => ms > 50).length,
  };
  await page.close();
  return result;
}

let browser;
try {
  await preview.ready();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'],
  });
  const result = await run(browser);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (json) {
    const out = { date: new Date().toISOString(), chromium: browser.version(), ...result };
    writeFileSync(json, `${JSON.stringify(out, null, 2)}\n`);
  }
} finally {
  await browser?.close();
  preview.stop();
}
