/**
 * The page's meta-training rate against the Node core's, same work, same machine, one run:
 *   npm run bench:page -- [--json out.json] [--seconds 10] [--rounds 2] [--work fused,tfjs,glyphs,glyphs-fused] [--port 4176]
 * Work, each with the pretrained baseline trained alongside, on wasm:
 *   fused, tfjs: the paper's sinusoid configuration (second-order MAML, 1-40-40-1, 25 tasks, K = 10,
 *     one inner step) on each engine;
 *   glyphs: the glyph lab's default configuration (5-way 1-shot conv net, batch 8, tfjs), over a
 *     window six times as long (its meta-steps take seconds);
 *   glyphs-fused: the same on the fused WebAssembly glyph engine (the page's auto settles on it),
 *     over a window twice as long.
 * Node runs `npm run train` (its training seconds exclude the final evaluation); the page is the
 * built app in the system Chromium at 1440×1000 with every chart on screen, the worker doing its
 * side work, its rate read from the store between two meta-steps that bracket a window after a
 * warm-up. Node and page take turns, work by work, round by round, so both see the same machine.
 * Over the page's window it also records the main thread's long tasks (the longest, and how many
 * took over 50 ms) and where the worker's time went (its `mamlWorkProfile`: training steps and
 * each kind of side work, count and milliseconds; the rest is snapshots, reports and messages).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { scriptFlags } from './scriptFlags.mjs';
import { startPreview } from './previewServer.mjs';

const ALL_WORK = 'fused,tfjs,glyphs,glyphs-fused';
const { option, count } = scriptFlags(
  ['json', 'seconds', 'rounds', 'port', 'work'],
  `npm run bench:page -- [--json out.json] [--seconds 10] [--rounds 2] [--work ${ALL_WORK}] [--port 4176]`,
);
const seconds = Number(option('seconds', '10'));
const rounds = count('rounds', 2);
const json = option('json', null);
if (!(seconds > 0)) {
  process.stderr.write('--seconds must be a positive number\n');
  process.exit(2);
}

/**
 * Each work: how Node is asked for it (flags), how the page is (link; auto settles on fused), the
 * page's window and warm-up in seconds, and Node's steps per second of window (sized so Node's run
 * takes about as long as the page's window).
 */
const works = [
  {
    work: 'fused',
    engine: 'fused',
    family: 'sinusoid',
    flags: ['--config', 'k=10', '--engine', 'fused'],
    path: '?',
    settle: '[data-testid="backend-choice"][data-engine="fused"]',
    window: seconds,
    warmup: 3,
    nodeSteps: 1500,
  },
  {
    work: 'tfjs',
    engine: 'tfjs',
    family: 'sinusoid',
    flags: ['--config', 'k=10', '--engine', 'tfjs'],
    path: '?backend=wasm',
    settle: null,
    window: seconds,
    warmup: 3,
    nodeSteps: 80,
  },
  {
    work: 'glyphs',
    engine: 'tfjs',
    family: 'glyphs',
    flags: ['--config', 'task=glyphs', '--eval-tasks', '1', '--eval-steps', '0'],
    path: '?task=glyphs&backend=wasm',
    settle: null,
    window: 6 * seconds,
    warmup: 15,
    nodeSteps: 0.5,
  },
  {
    work: 'glyphs-fused',
    engine: 'fused',
    family: 'glyphs',
    flags: ['--config', 'task=glyphs', '--engine', 'fused', '--eval-tasks', '1', '--eval-steps', '0'],
    path: '?task=glyphs',
    settle: '[data-testid="backend-choice"][data-engine="fused"]',
    window: 2 * seconds,
    warmup: 8,
    nodeSteps: 8,
  },
].filter((w) => option('work', ALL_WORK).split(',').includes(w.work));

const tmp = mkdtempSync(join(tmpdir(), 'bench-page-'));
function nodeRate(w) {
  const out = join(tmp, `${w.work}.json`);
  const steps = Math.max(3, Math.round(w.nodeSteps * w.window));
  execFileSync(
    process.execPath,
    [
      'node_modules/tsx/dist/cli.mjs',
      'src/cli/train.ts',
      ...w.flags,
      '--steps',
      String(steps),
      '--backend',
      'wasm',
      '--json',
      out,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const result = JSON.parse(readFileSync(out, 'utf8'));
  if (result.engine !== w.engine) throw new Error(`Node trained on ${result.engine}, not ${w.engine}`);
  return result.metaStepsPerSecond;
}

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

async function pageRate(browser, base, w) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  try {
    await page.addInitScript(() => {
      globalThis.benchLongTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) globalThis.benchLongTasks.push({ t: e.startTime, ms: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(base + w.path);
    await page.getByRole('status').filter({ hasText: /wasm/ }).waitFor({ timeout: 120_000 });
    if (w.settle) await page.locator(w.settle).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Play' }).click();
    await page.waitForTimeout(w.warmup * 1000);
    // the store's step and the time it arrived, at the first report after now: a window that
    // starts and ends on a report counts whole meta-steps, however long each takes
    const nextReport = () =>
      page.evaluate(
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
    const worker = await trainerWorker(page);
    const readProfile = () => worker?.evaluate(() => structuredClone(globalThis.mamlWorkProfile)) ?? null;
    const a = await nextReport();
    const p0 = await readProfile();
    await page.waitForTimeout(w.window * 1000);
    const b = await nextReport();
    const p1 = await readProfile();
    const engineShown = await page.locator('[data-readout="engine"]').textContent();
    if (engineShown?.trim() !== w.engine)
      throw new Error(`the page trained on ${engineShown}, not ${w.engine}`);
    const long = await page.evaluate(
      ([from, to]) => globalThis.benchLongTasks.filter((e) => e.t >= from && e.t <= to).map((e) => e.ms),
      [a.t, b.t],
    );
    return {
      rate: ((b.step - a.step) * 1000) / (b.t - a.t),
      longestTaskMs: Math.round(Math.max(0, ...long)),
      tasksOver50ms: long.filter((ms) => ms > 50).length,
      worker: profileDelta(p0, p1, b.t - a.t),
    };
  } finally {
    await page.close();
  }
}

const preview = startPreview(Number(option('port', '4176')));
let browser;
try {
  await preview.ready();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const rows = works.map((w) => ({
    work: w.work,
    family: w.family,
    engine: w.engine,
    node: [],
    page: [],
    windows: [],
  }));
  for (let r = 0; r < rounds; r++) {
    for (const [i, w] of works.entries()) {
      const row = rows[i];
      row.node.push(nodeRate(w));
      const { rate, ...seen } = await pageRate(browser, preview.base, w);
      row.page.push(rate);
      row.windows.push(seen);
      process.stderr.write(
        `round ${r + 1} ${w.work}: node ${row.node.at(-1).toPrecision(3)}, page ${rate.toPrecision(3)} meta-steps/s (${Math.round((rate / row.node.at(-1)) * 100)}%), longest main-thread task ${seen.longestTaskMs} ms\n`,
      );
      for (const [part, t] of Object.entries(seen.worker)) {
        process.stderr.write(
          `  worker ${part}: ${t.count} × in ${t.ms} ms (${Math.round(t.share * 100)}%)\n`,
        );
      }
    }
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const round3 = (x) => Number(x.toPrecision(3));
  const results = rows.map((row) => ({
    work: row.work,
    family: row.family,
    engine: row.engine,
    backend: 'wasm',
    nodeMetaStepsPerSecond: round3(mean(row.node)),
    pageMetaStepsPerSecond: round3(mean(row.page)),
    pageOverNode: round3(mean(row.page) / mean(row.node)),
    node: row.node.map(round3),
    page: row.page.map(round3),
    pageOverNodeByRound: row.page.map((p, i) => round3(p / row.node[i])),
    longestMainThreadTaskMs: Math.max(...row.windows.map((x) => x.longestTaskMs)),
    mainThreadTasksOver50ms: row.windows.map((x) => x.tasksOver50ms),
    workerTime: row.windows.map((x) => x.worker),
  }));
  const out = {
    date: new Date().toISOString(),
    browser: `${browser.browserType().name()} ${browser.version()}`,
    work: {
      fused:
        'sinusoid, second-order MAML, 1-40-40-1, 25 tasks, K = 10, 1 inner step, pretrained baseline alongside, fused engine',
      tfjs: 'the same on tfjs',
      glyphs:
        'glyphs, second-order MAML, 5-way 1-shot conv net, batch 8, 5 queries per class, pretrained baseline alongside, tfjs',
      'glyphs-fused': 'the same glyph work on the fused WebAssembly glyph engine',
    },
    seconds,
    rounds,
    results,
  };
  for (const r of results) {
    process.stderr.write(
      `${r.work}: page ${r.pageMetaStepsPerSecond} / node ${r.nodeMetaStepsPerSecond} = ${Math.round(r.pageOverNode * 100)}%\n`,
    );
  }
  const text = `${JSON.stringify(out, null, 2)}\n`;
  if (json) writeFileSync(json, text);
  else process.stdout.write(text);
} catch (e) {
  process.stderr.write(`bench:page failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
} finally {
  await browser?.close();
  preview.stop();
}
