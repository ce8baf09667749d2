/**
 * WebGPU against wasm in a real browser, measured by the page itself, and the glyph lab's own
 * training rate on each engine:
 *   npm run bench:browser -- [--json out.json] [--swiftshader] [--glyph-config 'ways=5&...']
 *     [--lab-engines fused,tfjs] [--lab-seconds 20] [--parts webgpu,lab]
 * Serves the built app, opens the sinusoid and the glyph page on WebGPU in Chromium (the system
 * one: CHROMIUM_PATH or /usr/bin/chromium) and reads the speed comparison each page makes on its
 * first meta-steps (wasm timed beside WebGPU in the worker). `--swiftshader` asks Chromium for its
 * software adapter, for machines without a GPU; leave it out on a machine with one.
 * Then the glyph lab at its default configuration trains on each engine of `--lab-engines`, and
 * its rate is read from the page's store over `--lab-seconds` after a warm-up (with the main
 * thread's long tasks and the worker's time by part: scripts/pageTraining.mjs). Each engine's link
 * passes `engine=` through (the page's engine setting): `fused` is `?task=glyphs&engine=fused`
 * (on a page without that setting, auto settles on the fused engine), `tfjs` is
 * `?task=glyphs&backend=wasm&engine=tfjs` (there, a forced wasm trains tfjs); any other name is
 * `?task=glyphs&engine=<name>`. The page must train on that engine, or the script fails.
 * `--parts` picks what runs: `webgpu` (the WebGPU against wasm comparison), `lab` (the glyph lab's
 * rates); both by default.
 */
import { writeFileSync } from 'node:fs';
import { startPreview } from './previewServer.mjs';
import { pageTrainingRate, workerLines } from './pageTraining.mjs';
import { chromium } from '@playwright/test';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith('--')) {
    process.stderr.write(`--${name} needs a value\n`);
    process.exit(2);
  }
  return v;
};
const known = new Set([
  '--json',
  '--swiftshader',
  '--glyph-config',
  '--port',
  '--lab-engines',
  '--lab-seconds',
  '--parts',
]);
for (const a of argv) {
  if (a.startsWith('--') && !known.has(a)) {
    process.stderr.write(
      `unknown flag ${a}\nusage: npm run bench:browser -- [--json out.json] [--swiftshader] [--glyph-config 'ways=5&batch=4'] [--lab-engines fused,tfjs] [--lab-seconds 20] [--parts webgpu,lab] [--port 4175]\n`,
    );
    process.exit(2);
  }
}
const port = Number(option('port', '4175'));
const json = option('json', null);
const glyphConfig = option('glyph-config', 'batch=4&query=3');
const parts = option('parts', 'webgpu,lab').split(',');
const labEngines = option('lab-engines', 'fused,tfjs').split(',').filter(Boolean);
const labSeconds = Number(option('lab-seconds', '20'));
if (!(labSeconds > 0)) {
  process.stderr.write('--lab-seconds must be a positive number\n');
  process.exit(2);
}

/** The glyph lab's link for an engine (see the header). */
function labPath(engine) {
  if (engine === 'tfjs') return '?task=glyphs&backend=wasm&engine=tfjs';
  return `?task=glyphs&engine=${encodeURIComponent(engine)}`;
}

/** The glyph lab's default configuration trained on each engine asked for, one after another. */
async function labRates(browser) {
  const rows = [];
  for (const engine of labEngines) {
    const path = labPath(engine);
    process.stderr.write(`glyph lab on ${engine}: `);
    const r = await pageTrainingRate(browser, base + path, {
      engine,
      settle: `[data-readout="engine"]:text-is("${engine}")`,
      warmup: 8,
      window: labSeconds,
    });
    const round = (x) => Number(x.toPrecision(3));
    rows.push({
      engine,
      backend: r.backend,
      url: path,
      metaStepsPerSecond: round(r.rate),
      longestMainThreadTaskMs: r.longestTaskMs,
      mainThreadTasksOver50ms: r.tasksOver50ms,
      workerTime: r.worker,
    });
    process.stderr.write(
      `${round(r.rate)} meta-steps/s on ${r.backend}, longest main-thread task ${r.longestTaskMs} ms\n`,
    );
    for (const line of workerLines(r.worker)) process.stderr.write(line);
  }
  return rows;
}
const preview = startPreview(port);
const base = preview.base;

const cases = [
  {
    name: 'sinusoid (paper configuration)',
    path: '?backend=webgpu',
    selector: '[data-testid="backend-speed"]',
  },
  {
    name: `glyphs (${glyphConfig})`,
    path: `?task=glyphs&${glyphConfig}&backend=webgpu&from=random`,
    selector: '[data-testid="backend-speed"][data-webgpu-steps-per-second]',
  },
];

const results = [];
let browser;
try {
  await preview.ready();
  const args = [
    '--no-sandbox',
    '--enable-unsafe-webgpu',
    ...(flag('swiftshader') ? ['--use-webgpu-adapter=swiftshader'] : []),
  ];
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args });
  for (const c of parts.includes('webgpu') ? cases : []) {
    const page = await browser.newPage();
    const t0 = Date.now();
    process.stderr.write(`${c.name}: `);
    await page.goto(base + c.path);
    const status = page.getByRole('status');
    await status.filter({ hasText: /webgpu|wasm|cpu/ }).waitFor({ timeout: 120_000 });
    if (!/webgpu/.test((await status.textContent()) ?? '')) {
      process.stderr.write(`no WebGPU here (${(await status.textContent())?.trim()}); skipped\n`);
      results.push({ task: c.name, webgpu: null, reason: 'no WebGPU adapter' });
      await page.close();
      continue;
    }
    await page.getByRole('button', { name: 'Play' }).click();
    const note = page.locator(c.selector);
    await note.waitFor({ timeout: 900_000 });
    const attr = (n) => note.getAttribute(n).then((v) => (v === null || v === '' ? null : Number(v)));
    const webgpu = await attr('data-webgpu-steps-per-second');
    const wasm = await attr('data-wasm-steps-per-second');
    await page.getByRole('button', { name: 'Pause' }).click();
    const round = (x) => (x === null ? null : Number(x.toPrecision(3)));
    results.push({
      task: c.name,
      url: c.path,
      webgpuMetaStepsPerSecond: round(webgpu),
      wasmMetaStepsPerSecond: round(wasm),
    });
    process.stderr.write(
      `webgpu ${round(webgpu)} vs wasm ${round(wasm)} meta-steps/s (${Math.round((Date.now() - t0) / 1000)} s)\n`,
    );
    await page.close();
  }
  const lab = parts.includes('lab') ? await labRates(browser) : [];
  const out = {
    date: new Date().toISOString(),
    browser: `${browser.browserType().name()} ${browser.version()}`,
    adapter: flag('swiftshader') ? 'swiftshader (software)' : 'default',
    results,
    glyphLab: {
      work: 'the glyph lab at its default configuration (second-order MAML, 5-way 1-shot conv net, 32 filters, batch 8, 5 queries per class, pretrained baseline alongside), at 1440×1000 with every chart on screen',
      seconds: labSeconds,
      rates: lab,
    },
  };
  const text = `${JSON.stringify(out, null, 2)}\n`;
  if (json) {
    writeFileSync(json, text);
    process.stderr.write(`wrote ${json}\n`);
  } else process.stdout.write(text);
} catch (e) {
  process.stderr.write(`bench:browser failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
} finally {
  await browser?.close();
  preview.stop();
}
