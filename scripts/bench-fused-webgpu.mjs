/**
 * Fused WebGPU meta-step against tfjs on WebGPU and on wasm, measured by the engine check page:
 *   npm run bench:fused-webgpu -- [--swiftshader] [--json out.json] [--port 4176] [--query 'wg=16&repeat=3']
 * Serves the built app, opens engine-check.html?cases=0&bench=1 in the system Chromium
 * (CHROMIUM_PATH or /usr/bin/chromium) and prints the page's meta-steps/s for the paper
 * configuration. `--swiftshader` asks for the software adapter, for machines without a GPU.
 */
import { writeFileSync } from 'node:fs';
import { startPreview } from './previewServer.mjs';
import { chromium } from '@playwright/test';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? fallback : argv[i + 1];
};
const known = new Set(['--json', '--swiftshader', '--port', '--query']);
for (const a of argv) {
  if (a.startsWith('--') && !known.has(a)) {
    process.stderr.write(
      `unknown flag ${a}\nusage: npm run bench:fused-webgpu -- [--swiftshader] [--json out.json] [--port 4176] [--query 'wg=16&repeat=3']\n`,
    );
    process.exit(2);
  }
}
const port = Number(option('port', '4176'));
const json = option('json', null);
const extra = option('query', '');
const preview = startPreview(port);
const base = preview.base;

const args = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
args.push('--no-first-run', '--enable-unsafe-webgpu');
if (argv.includes('--swiftshader')) args.push('--use-webgpu-adapter=swiftshader');
else args.push('--enable-features=Vulkan');

try {
  await preview.ready();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args,
  });
  const page = await browser.newPage();
  await page.goto(`${base}engine-check.html?cases=0&bench=1${extra ? `&${extra}` : ''}`);
  await page.waitForFunction(() => globalThis.__engineCheck?.done, null, { timeout: 600_000, polling: 1000 });
  const report = await page.evaluate(() => globalThis.__engineCheck);
  await browser.close();
  if (report.error) throw new Error(report.error);
  const out = { adapter: report.adapter, rates: report.rates, chromium: browser.version() };
  for (const r of report.rates) {
    console.log(
      `${r.engine.padEnd(50)} ${r.backend.padEnd(7)} ${r.stepsPerSecond.toFixed(2).padStart(7)} meta-steps/s (${r.steps} steps)`,
    );
  }
  console.log(`adapter: ${JSON.stringify(report.adapter)}`);
  if (json) writeFileSync(json, JSON.stringify(out, null, 2));
} finally {
  preview.stop();
}
