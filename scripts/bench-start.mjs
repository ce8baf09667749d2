/**
 * How soon a new visitor sees something and how soon auto has chosen, in the built page:
 *   npm run bench:start -- [--runs 3] [--json out.json] [--port 4178] [--no-webgpu]
 * Opens the sinusoid page and the glyph lab in a fresh browser each run (nothing cached, nothing
 * saved, and no GPU work left over from the run before: a WebGPU step that auto gave up on
 * finishes in the browser's GPU process, which the software adapter runs on the same two cores),
 * in the system Chromium at 1440×1000 with WebGPU on the software adapter (SwiftShader;
 * `--no-webgpu` leaves WebGPU off), and times from navigation to the first task drawn (the
 * sinusoid page's MAML fan, the glyph lab's support images), to the evaluation's first curves (the
 * three initialisations' adaptation curves) and to auto's choice ("auto: wasm · fused · … — …
 * measured …", or an untimed one after the device probe).
 */
import { writeFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { scriptFlags } from './scriptFlags.mjs';
import { startPreview } from './previewServer.mjs';

const { option, has, count } = scriptFlags(
  ['runs', 'json', 'port', 'no-webgpu'],
  'npm run bench:start -- [--runs 3] [--json out.json] [--port 4178] [--no-webgpu]',
);
const runs = count('runs', 3);
const json = option('json', null);
const webgpu = !has('no-webgpu');

/** each page, what shows its first task, and whether auto has a choice to make (two contenders) */
const pages = [
  { page: 'sinusoid', path: '', task: '[data-panel="maml"] path.fan-line', races: true },
  // without WebGPU the glyph lab has one contender (tfjs on wasm): nothing to time
  { page: 'glyphs', path: '?task=glyphs', task: '[data-testid="support-grid"] [role="img"]', races: webgpu },
];

const preview = startPreview(Number(option('port', '4178')));
const launch = () =>
  chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', ...(webgpu ? ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'] : [])],
  });
let browser;
try {
  await preview.ready();
  let version = '';
  const rows = [];
  for (const p of pages) {
    const row = { page: p.page, taskMs: [], curvesMs: [], autoMs: [], choice: [] };
    for (let r = 0; r < runs; r++) {
      browser = await launch();
      version = `${browser.browserType().name()} ${browser.version()}`;
      const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
      try {
        const page = await context.newPage();
        const t0 = Date.now();
        await page.goto(preview.base + p.path);
        await page.locator(p.task).first().waitFor({ timeout: 60_000 });
        row.taskMs.push(Date.now() - t0);
        await page.locator('path.curve-line').nth(2).waitFor({ timeout: 60_000 });
        row.curvesMs.push(Date.now() - t0);
        if (p.races) {
          const choice = page.getByTestId('backend-choice').filter({ hasText: /^auto: / });
          await choice.waitFor({ timeout: 120_000 });
          row.autoMs.push(Date.now() - t0);
          row.choice.push(((await choice.textContent()) ?? '').trim());
        }
      } finally {
        await context.close();
        await browser.close();
        browser = undefined;
      }
      const auto = p.races
        ? `auto chose at ${row.autoMs.at(-1)} ms (${row.choice.at(-1)})`
        : 'auto has one contender here';
      process.stderr.write(
        `${p.page} run ${r + 1}: task drawn at ${row.taskMs.at(-1)} ms, evaluation's curves at ${row.curvesMs.at(-1)} ms, ${auto}\n`,
      );
    }
    rows.push(row);
  }
  const out = {
    date: new Date().toISOString(),
    browser: version,
    webgpu: webgpu ? 'SwiftShader (software adapter)' : 'off',
    runs,
    pages: rows,
  };
  const text = `${JSON.stringify(out, null, 2)}\n`;
  if (json) writeFileSync(json, text);
  else process.stdout.write(text);
} catch (e) {
  process.stderr.write(`bench:start failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
} finally {
  await browser?.close();
  preview.stop();
}
