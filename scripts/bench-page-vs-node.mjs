/**
 * The page's meta-training rate against the Node core's, same work, same machine, one run:
 *   npm run bench:page -- [--json out.json] [--seconds 10] [--rounds 2] [--work fused,tfjs,glyphs,glyphs-fused]
 *                         [--port 4176] [--max-task-ms 50]
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
 * Node runs `npm run train` (its training seconds exclude the final evaluation) for about as many
 * steps as its last rate fits in the page's window; the page is the built app in the system
 * Chromium at 1440×1000 with every chart on screen, the worker doing its side work, its rate read
 * from the store between two meta-steps that bracket a window after a warm-up. Node and page take
 * turns round by round, in alternating order (Node first in odd rounds, the page first in even
 * ones), so a load that rises or falls during the run weighs on both; each round gives a ratio, and
 * the result is their median (and their mean, for comparison with older rows).
 * Over the page's window it also records the main thread's long tasks (the longest, and how many
 * took over --max-task-ms of wall time; any such task makes the bench exit with status 1 after
 * writing its results), each traced task's wall and CPU time from Chromium's trace (CPU time is
 * the page's own work; on a loaded machine wall time adds the waits for a core; --detail adds
 * where the costliest tasks' CPU went: timeline events and sampled functions), where the worker's
 * time went (its `mamlWorkProfile`: training steps and each kind of side work, count and
 * milliseconds; the rest is snapshots, reports and messages), the CPU each
 * browser thread took (Linux: the trainer worker's core share against Node's, the main thread's),
 * and the machine's load average.
 * An existing `--json` file keeps its rows of the work not run this time (each row has its date).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { scriptFlags } from './scriptFlags.mjs';
import { startPreview } from './previewServer.mjs';
import { pageTrainingRate, workerLines } from './pageTraining.mjs';
import { childrenCpuMs } from './bench-page-cpu.mjs';

const ALL_WORK = 'fused,tfjs,glyphs,glyphs-fused';
const { option, count, has } = scriptFlags(
  ['json', 'seconds', 'rounds', 'port', 'work', 'max-task-ms', 'detail'],
  `npm run bench:page -- [--json out.json] [--seconds 10] [--rounds 2] [--work ${ALL_WORK}] [--port 4176] [--max-task-ms 50] [--detail]`,
);
const maxTaskMs = Number(option('max-task-ms', '50'));
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
/**
 * One Node run of `w`: about as many steps as `rate` (the last Node rate, else the work's guess)
 * fits in the page's window. Returns Node's rate and its CPU share of one core over the run.
 */
function nodeRun(w, rate) {
  const out = join(tmp, `${w.work}.json`);
  const steps = Math.max(3, Math.round(rate * w.window));
  const [cpu0, t0] = [childrenCpuMs(), performance.now()];
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
  const coreShare = (childrenCpuMs() - cpu0) / (performance.now() - t0);
  const result = JSON.parse(readFileSync(out, 'utf8'));
  if (result.engine !== w.engine) throw new Error(`Node trained on ${result.engine}, not ${w.engine}`);
  return { rate: result.metaStepsPerSecond, coreShare };
}

const round3 = (x) => Number(x.toPrecision(3));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Core shares in a page window: the trainer worker (the busiest worker thread), the busiest main
 * thread (Linux names the renderer's, the browser's and the GPU process's main threads after the
 * executable), and every browser thread but the worker together.
 */
function pageCpu(cpu) {
  const share = (name) => cpu[name]?.busiestCoreShare ?? 0;
  const total = Object.values(cpu).reduce((sum, c) => sum + c.coreShare, 0);
  const worker = share('DedicatedWorker');
  return { worker, main: share('chromium'), rest: round3(total - worker) };
}

/** One round of work `w`: Node and the page in the round's order, appended to `row`. */
async function round(browser, w, row, r) {
  const load = loadavg()[0];
  const node = () => {
    const n = nodeRun(w, row.node.at(-1) ?? w.nodeSteps);
    row.node.push(n.rate);
    row.nodeCoreShare.push(round3(n.coreShare));
  };
  const page = async () => {
    const { rate, ...seen } = await pageTrainingRate(browser, preview.base + w.path, {
      ...w,
      browserPid: process.pid,
      detail: has('detail'),
      gate: maxTaskMs,
    });
    row.page.push(rate);
    row.windows.push(seen);
  };
  if (r % 2 === 0) {
    node();
    await page();
  } else {
    await page();
    node();
  }
  row.load.push(round3((load + loadavg()[0]) / 2));
  const seen = row.windows.at(-1);
  const cpu = pageCpu(seen.cpu);
  row.pageCpu.push(cpu);
  process.stderr.write(
    `round ${r + 1} ${w.work} (${r % 2 === 0 ? 'Node first' : 'page first'}, load ${row.load.at(-1)}): node ${row.node.at(-1).toPrecision(3)}, page ${row.page.at(-1).toPrecision(3)} meta-steps/s (${Math.round((row.page.at(-1) / row.node.at(-1)) * 100)}%); core share: Node ${row.nodeCoreShare.at(-1)}, page worker ${cpu.worker}, busiest main thread ${cpu.main}, the browser's other threads ${cpu.rest}; longest main-thread task ${seen.longestTaskMs} ms (traced: ${seen.mainThread.longestWallMs} ms wall, ${seen.mainThread.longestCpuMs} ms CPU)\n`,
  );
  for (const line of workerLines(seen.worker)) process.stderr.write(line);
}

/** A work's result row from its rounds. */
function resultRow(row, date) {
  const ratios = row.page.map((p, i) => p / row.node[i]);
  return {
    work: row.work,
    date,
    seconds,
    rounds,
    family: row.family,
    engine: row.engine,
    backend: 'wasm',
    nodeMetaStepsPerSecond: round3(median(row.node)),
    pageMetaStepsPerSecond: round3(median(row.page)),
    pageOverNode: round3(median(ratios)),
    pageOverNodeMean: round3(mean(ratios)),
    node: row.node.map(round3),
    page: row.page.map(round3),
    pageOverNodeByRound: ratios.map(round3),
    order: row.node.map((_, i) => (i % 2 === 0 ? 'node, page' : 'page, node')),
    loadAverage: row.load,
    nodeCoreShare: row.nodeCoreShare,
    pageWorkerCoreShare: row.pageCpu.map((c) => c.worker),
    pageMainThreadCoreShare: row.pageCpu.map((c) => c.main),
    pageOtherThreadsCoreShare: row.pageCpu.map((c) => c.rest),
    // page ÷ Node in meta-steps per core-second of the trainer (Node's CPU includes its start-up)
    pageOverNodePerCoreSecond: ratios.map((q, i) =>
      round3((q * row.nodeCoreShare[i]) / (row.pageCpu[i].worker || NaN)),
    ),
    longestMainThreadTaskMs: Math.max(...row.windows.map((x) => x.longestTaskMs)),
    mainThreadTasksOver50ms: row.windows.map((x) => x.tasksOver50ms),
    // from Chromium's trace: each window's longest task by wall and by CPU time, and the tasks
    // over --max-task-ms each way (CPU time is the page's own work, wall time adds the waits)
    mainThreadTrace: row.windows.map((x) => x.mainThread),
    longestMainThreadTaskCpuMs: Math.max(...row.windows.map((x) => x.mainThread.longestCpuMs)),
    workerTime: row.windows.map((x) => x.worker),
    browserCpu: row.windows.map((x) => x.cpu),
  };
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
    nodeCoreShare: [],
    page: [],
    pageCpu: [],
    windows: [],
    load: [],
  }));
  for (let r = 0; r < rounds; r++) {
    for (const [i, w] of works.entries()) await round(browser, w, rows[i], r);
  }
  const date = new Date().toISOString();
  const results = rows.map((row) => resultRow(row, date));
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
      `${r.work}: page / node, median of ${r.rounds} rounds ${Math.round(r.pageOverNode * 100)}% (rounds ${r.pageOverNodeByRound.map((x) => `${Math.round(x * 100)}%`).join(', ')}; mean ${Math.round(r.pageOverNodeMean * 100)}%), longest main-thread task ${r.longestMainThreadTaskMs} ms\n`,
    );
  }
  const text = `${JSON.stringify(out, null, 2)}\n`;
  if (json) writeFileSync(json, text);
  else process.stdout.write(text);
  const long = results.filter((r) => r.longestMainThreadTaskMs > maxTaskMs);
  for (const r of long)
    process.stderr.write(
      `${r.work}: a main-thread task of ${r.longestMainThreadTaskMs} ms in the page's windows, over ${maxTaskMs} ms (tasks over 50 ms by round: ${r.mainThreadTasksOver50ms.join(', ')})\n`,
    );
  if (long.length > 0) process.exitCode = 1;
} catch (e) {
  process.stderr.write(`bench:page failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
} finally {
  await browser?.close();
  preview.stop();
}
