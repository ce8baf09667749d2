/**
 * The page's meta-training rate against the Node core's, same work, same machine, one run:
 *   npm run bench:page -- [--json out.json] [--seconds 10] [--rounds 2] [--work fused,tfjs,glyphs,glyphs-fused] [--port 4176]
 * Work, each with the pretrained baseline trained alongside, on wasm:
 *   fused, tfjs: the paper's sinusoid configuration (second-order MAML, 1-40-40-1, 25 tasks, K = 10,
 *     one inner step) on each engine;
 *   glyphs: the glyph lab's default configuration (5-way 1-shot conv net, batch 8, tfjs), over a
 *     window six times as long (its meta-steps take seconds);
 *   glyphs-fused: the same on the fused WebAssembly glyph engine (the page's auto settles on it),
 *     over a window three times as long after 15 s of warm-up (side work that runs every few
 *     tens of seconds, such as the order comparison, is then counted at about its share).
 * The tfjs works force the backend and the engine (`backend=wasm&engine=tfjs`; a page that has no
 * `engine=` setting yet notes the parameter and trains tfjs on a forced wasm anyway). The fused
 * works run in auto mode and wait until auto shows its choice.
 * Node runs `npm run train` (its training seconds exclude the final evaluation); the page is the
 * built app in the system Chromium at 1440×1000 with every chart on screen, the worker doing its
 * side work, its rate read from the store between two meta-steps that bracket a window after a
 * warm-up. Node and page take turns, work by work, round by round, so both see the same machine.
 * Over the page's window it also records the main thread's long tasks (the longest, and how many
 * took over 50 ms) and where the worker's time went (its `mamlWorkProfile`: training steps and
 * each kind of side work, count and milliseconds; the rest is snapshots, reports and messages).
 * An existing `--json` file keeps its rows of the work not run this time (each row has its date).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { scriptFlags } from './scriptFlags.mjs';
import { startPreview } from './previewServer.mjs';
import { pageTrainingRate, workerLines } from './pageTraining.mjs';

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
    path: '?backend=wasm&engine=tfjs',
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
    path: '?task=glyphs&backend=wasm&engine=tfjs',
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
    window: 3 * seconds,
    warmup: 15,
    nodeSteps: 6,
  },
].filter((w) => option('work', ALL_WORK).split(',').includes(w.work));

/**
 * The rows of an earlier `--json` file for work not measured this time (each with the date,
 * seconds and rounds it was measured with), so one file holds the latest row of every work.
 */
function keptRows(file, fresh) {
  if (!file || !existsSync(file)) return [];
  const old = JSON.parse(readFileSync(file, 'utf8'));
  return (old.results ?? [])
    .filter((r) => !fresh.some((f) => f.work === r.work))
    .map((r) => ({ date: old.date, seconds: old.seconds, rounds: old.rounds, ...r }));
}

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
      const { rate, ...seen } = await pageTrainingRate(browser, preview.base + w.path, w);
      row.page.push(rate);
      row.windows.push(seen);
      process.stderr.write(
        `round ${r + 1} ${w.work}: node ${row.node.at(-1).toPrecision(3)}, page ${rate.toPrecision(3)} meta-steps/s (${Math.round((rate / row.node.at(-1)) * 100)}%), longest main-thread task ${seen.longestTaskMs} ms\n`,
      );
      for (const line of workerLines(seen.worker)) process.stderr.write(line);
    }
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const round3 = (x) => Number(x.toPrecision(3));
  const date = new Date().toISOString();
  const results = rows.map((row) => ({
    work: row.work,
    date,
    seconds,
    rounds,
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
    date,
    browser: `${browser.browserType().name()} ${browser.version()}`,
    work: {
      fused:
        'sinusoid, second-order MAML, 1-40-40-1, 25 tasks, K = 10, 1 inner step, pretrained baseline alongside, fused engine',
      tfjs: 'the same on tfjs',
      glyphs:
        'glyphs, second-order MAML, 5-way 1-shot conv net, batch 8, 5 queries per class, pretrained baseline alongside, tfjs',
      'glyphs-fused': 'the same glyph work on the fused WebAssembly glyph engine',
    },
    results: [...keptRows(json, results), ...results],
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
