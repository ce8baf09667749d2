/**
 * WebGPU against wasm in a real browser, measured by the page itself:
 *   npm run bench:browser -- [--json out.json] [--swiftshader] [--glyph-config 'ways=5&...']
 * Serves the built app, opens the sinusoid and the glyph page on WebGPU in Chromium (the system
 * one: CHROMIUM_PATH or /usr/bin/chromium) and reads the speed comparison each page makes on its
 * first meta-steps (wasm timed beside WebGPU in the worker). `--swiftshader` asks Chromium for its
 * software adapter, for machines without a GPU; leave it out on a machine with one.
 */
import { writeFileSync } from 'node:fs';
import { startPreview } from './previewServer.mjs';
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
const known = new Set(['--json', '--swiftshader', '--glyph-config', '--port']);
for (const a of argv) {
  if (a.startsWith('--') && !known.has(a)) {
    process.stderr.write(
      `unknown flag ${a}\nusage: npm run bench:browser -- [--json out.json] [--swiftshader] [--glyph-config 'ways=5&batch=4'] [--port 4175]\n`,
    );
    process.exit(2);
  }
}
const port = Number(option('port', '4175'));
const json = option('json', null);
const glyphConfig = option('glyph-config', 'batch=4&query=3');
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
  for (const c of cases) {
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
  const out = {
    date: new Date().toISOString(),
    browser: `${browser.browserType().name()} ${browser.version()}`,
    adapter: flag('swiftshader') ? 'swiftshader (software)' : 'default',
    results,
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
