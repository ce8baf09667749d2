/**
 * The page's meta-training rate against the Node core's, same work, same machine, one run:
 *   npm run bench:page -- [--json out.json] [--seconds 10] [--rounds 2] [--engines fused,tfjs] [--port 4176]
 * Work: the paper's sinusoid configuration (second-order MAML, 1-40-40-1, 25 tasks, K = 10, one
 * inner step) with the pretrained baseline trained alongside, on wasm, for each engine (fused and
 * tfjs). Node runs `npm run train` (its training seconds exclude the final evaluation); the page
 * is the built app in the system Chromium at 1440×1000 with every chart on screen, its step read
 * from the store over a window after a warm-up. Node and page take turns, engine by engine, round
 * by round, so both see the same machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { startPreview } from './previewServer.mjs';

const argv = process.argv.slice(2);
const known = new Set(['--json', '--seconds', '--rounds', '--port', '--engines']);
for (const a of argv) {
  if (a.startsWith('--') && !known.has(a)) {
    process.stderr.write(
      `unknown flag ${a}\nusage: npm run bench:page -- [--json out.json] [--seconds 10] [--rounds 2]\n`,
    );
    process.exit(2);
  }
}
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? fallback : argv[i + 1];
};
const seconds = Number(option('seconds', '10'));
const rounds = Number(option('rounds', '2'));
const json = option('json', null);
if (!(seconds > 0) || !(rounds >= 1)) {
  process.stderr.write('--seconds and --rounds must be positive numbers\n');
  process.exit(2);
}

/** How each engine is asked for: in Node by flag, in the page by link (auto settles on fused). */
const engines = [
  { engine: 'fused', path: '?', settle: '[data-testid="backend-choice"][data-engine="fused"]' },
  { engine: 'tfjs', path: '?backend=wasm', settle: null },
].filter((e) => option('engines', 'fused,tfjs').split(',').includes(e.engine));
/** Node steps per timed run, sized to take about as long as the page's window. */
const nodeSteps = { fused: 1500, tfjs: 80 };

const tmp = mkdtempSync(join(tmpdir(), 'bench-page-'));
function nodeRate(engine) {
  const out = join(tmp, `${engine}.json`);
  const steps = Math.round(nodeSteps[engine] * seconds);
  execFileSync(
    process.execPath,
    [
      'node_modules/tsx/dist/cli.mjs',
      'src/cli/train.ts',
      '--config',
      'k=10',
      '--steps',
      String(steps),
      '--backend',
      'wasm',
      '--engine',
      engine,
      '--json',
      out,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return JSON.parse(readFileSync(out, 'utf8')).metaStepsPerSecond;
}

async function pageRate(browser, base, e) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  try {
    await page.goto(base + e.path);
    await page.getByRole('status').filter({ hasText: /wasm/ }).waitFor({ timeout: 120_000 });
    if (e.settle) await page.locator(e.settle).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Play' }).click();
    await page.waitForTimeout(3000);
    const read = () =>
      page.evaluate(() => ({ step: globalThis.maml.store.getState().step, t: performance.now() }));
    const a = await read();
    await page.waitForTimeout(seconds * 1000);
    const b = await read();
    const engineShown = await page.locator('[data-readout="engine"]').textContent();
    if (engineShown?.trim() !== e.engine)
      throw new Error(`the page trained on ${engineShown}, not ${e.engine}`);
    return ((b.step - a.step) * 1000) / (b.t - a.t);
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
  const rows = engines.map((e) => ({ engine: e.engine, node: [], page: [] }));
  for (let r = 0; r < rounds; r++) {
    for (const [i, e] of engines.entries()) {
      const row = rows[i];
      row.node.push(nodeRate(e.engine));
      row.page.push(await pageRate(browser, preview.base, e));
      process.stderr.write(
        `round ${r + 1} ${e.engine}: node ${row.node.at(-1).toFixed(1)}, page ${row.page.at(-1).toFixed(1)} meta-steps/s\n`,
      );
    }
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const round3 = (x) => Number(x.toPrecision(3));
  const results = rows.map((row) => ({
    engine: row.engine,
    backend: 'wasm',
    nodeMetaStepsPerSecond: round3(mean(row.node)),
    pageMetaStepsPerSecond: round3(mean(row.page)),
    pageOverNode: round3(mean(row.page) / mean(row.node)),
    node: row.node.map(round3),
    page: row.page.map(round3),
  }));
  const out = {
    date: new Date().toISOString(),
    browser: `${browser.browserType().name()} ${browser.version()}`,
    work: 'sinusoid, second-order MAML, 1-40-40-1, 25 tasks, K = 10, 1 inner step, pretrained baseline alongside',
    seconds,
    rounds,
    results,
  };
  for (const r of results) {
    process.stderr.write(
      `${r.engine}: page ${r.pageMetaStepsPerSecond} / node ${r.nodeMetaStepsPerSecond} = ${Math.round(r.pageOverNode * 100)}%\n`,
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
