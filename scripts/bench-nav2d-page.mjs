/**
 * A whole 2-D navigation run in the built page, timed from outside:
 *   npm run bench:nav2d-page -- [--json out.json] [--steps 500] [--link '?task=nav2d'] [--port 4177]
 *                               [--list-ms 30] [--detail] [--gate 50] [--wall]
 * Opens the link (default: the paper's settings, the pretrained baseline trained alongside) in the
 * system Chromium at 1440×1000, waits until the page has chosen its engine, presses Play and
 * waits for meta-iteration `--steps`, then pauses. It reports the wall time from Play to that
 * step (the page's own clock), the backend and engine shown, the page's last post-update return
 * and its held-out return after one step, and the main thread over the run:
 *  - the long tasks the page observed (wall time: the longest, how many took over 50 ms);
 *  - from Chromium's trace, each task's wall and CPU time (on a loaded machine wall time includes
 *    waiting for a core; CPU time is the page's own work): over the whole trace (`mainThread`,
 *    which also holds the bench's own Play and Pause clicks) and from Play to the step (`run`:
 *    the longest CPU time, how many tasks over 10, 15 and --gate ms), and every task of the run
 *    over --list-ms ms of wall or CPU time with the page's long animation frames that overlap it
 *    (the scripts that ran: what invoked them, the function, the file);
 *  - `recurring`: those tasks grouped by their frames' costliest script, with how many, the
 *    longest CPU and wall time;
 *  - with --detail, the costliest tasks' CPU by trace event and by sampled function (a short
 *    run: the trace keeps every event).
 * Every 30 s it logs the step reached and the long tasks so far, so a run stopped early still says
 * how far it got. It exits 1 when a task took over --gate ms of CPU time (--wall: of wall time, as
 * the page's long-task observer reports it).
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { chromium } from '@playwright/test';
import { describeFrame, framesDuring, observeLongFrames } from './longFrames.mjs';
import { traceMainThread } from './mainThreadTrace.mjs';
import { scriptFlags } from './scriptFlags.mjs';
import { startPreview } from './previewServer.mjs';

const { option, count, has } = scriptFlags(
  ['json', 'steps', 'link', 'port', 'list-ms', 'detail', 'gate', 'wall'],
  "npm run bench:nav2d-page -- [--json out.json] [--steps 500] [--link '?task=nav2d'] [--port 4177] [--list-ms 30] [--detail] [--gate 50] [--wall]",
);
const steps = count('steps', 500);
const link = option('link', '?task=nav2d');
const json = option('json', null);
const listMs = count('list-ms', 30);
const gate = count('gate', 50);
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

/** The costliest script of a task's frames (`invoker fn@file`), or what the frames lacked. */
function culprit(frames) {
  const scripts = frames.flatMap((f) => f.scripts).sort((a, b) => b.ms - a.ms);
  const top = scripts[0];
  if (top) return `${top.invoker} ${top.fn}@${top.file}`;
  return frames.length > 0 ? 'rendering (no script over 2 ms)' : 'no long animation frame';
}

/**
 * The run's tasks: the longest CPU time and how many took over 10, 15 and --gate ms of it
 * (`run`), each task over --list-ms with the frames that overlap it (`listed`), and those grouped
 * by culprit (`recurring`).
 */
function inRun(tasks, frames, t0) {
  const cpu = tasks.map((t) => t.cpuMs);
  const run = {
    longestCpuMs: Math.max(0, ...cpu),
    over10msCpu: cpu.filter((ms) => ms > 10).length,
    over15msCpu: cpu.filter((ms) => ms > 15).length,
    overGateCpu: cpu.filter((ms) => ms > gate).length,
  };
  const listed = tasks
    .filter((t) => t.wallMs > listMs || t.cpuMs > listMs)
    .map((t) => {
      const during = t.atMs === null ? [] : framesDuring(frames, t.atMs, t.atMs + t.wallMs);
      return {
        atS: t.atMs === null ? null : Math.round((t.atMs - t0) / 100) / 10,
        wallMs: t.wallMs,
        cpuMs: t.cpuMs,
        culprit: culprit(during),
        frames: during.map(describeFrame),
      };
    });
  const groups = new Map();
  for (const t of listed) {
    const g = groups.get(t.culprit) ?? { culprit: t.culprit, tasks: 0, maxCpuMs: 0, maxWallMs: 0 };
    g.tasks += 1;
    g.maxCpuMs = Math.max(g.maxCpuMs, t.cpuMs);
    g.maxWallMs = Math.max(g.maxWallMs, t.wallMs);
    groups.set(t.culprit, g);
  }
  return { run, listed, recurring: [...groups.values()].sort((a, b) => b.maxCpuMs - a.maxCpuMs) };
}

async function run(browser) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.on('console', (m) => m.text().startsWith('bench:') && process.stderr.write(`${m.text()}\n`));
  await page.addInitScript(observeLongFrames);
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
  // every task the trace keeps (over 20 ms of wall or 10 ms of CPU) is placed on the page's clock,
  // so the run's own tasks are told from the bench's clicks before and after it
  const trace = await traceMainThread(page, { detail: has('detail'), listMs: 5 });
  await page.getByRole('button', { name: 'Play' }).click({ timeout: 120_000 });
  const t0 = await page.evaluate(() => performance.now());
  const from = await page.evaluate(() => globalThis.maml.store.getState().step);
  const end = await stepReached(page, steps);
  await page.getByRole('button', { name: 'Pause' }).click();
  const { tasks, ...mainThread } = await trace.stop(gate);
  const frames = await page.evaluate(() => globalThis.benchFrames);
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
    loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
    mainThread,
    ...inRun(
      tasks.filter((t) => t.atMs === null || (t.atMs >= t0 && t.atMs <= end.t)),
      frames,
      t0,
    ),
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
  const wall = has('wall') || !result.mainThread.cpuMeasured;
  const worst = wall ? result.longestTaskMs : result.run.longestCpuMs;
  const what = wall ? 'wall time' : 'CPU time';
  if (worst > gate) {
    process.stderr.write(`FAIL: a main-thread task of ${worst} ms ${what}, over the ${gate} ms gate\n`);
    process.exitCode = 1;
  } else process.stderr.write(`ok: no main-thread task over ${gate} ms of ${what} (longest ${worst} ms)\n`);
  if (json) {
    const out = { date: new Date().toISOString(), chromium: browser.version(), ...result };
    writeFileSync(json, `${JSON.stringify(out, null, 2)}\n`);
  }
} finally {
  await browser?.close();
  preview.stop();
}
