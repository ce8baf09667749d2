/**
 * A large image import in the built page: the main thread's longest task while a synthetic
 * archive in Omniglot's layout is imported, and how long the import takes.
 *   npm run bench:image-import -- [--alphabets 50] [--characters 30] [--images 20] [--json out.json] [--port 4179] [--gate 50] [--wall] [--detail]
 * The archive (50 × 30 × 20 = 30,000 1-bit PNGs of 105×105, Omniglot's size and depth) is made by
 * this script in the system's temporary folder and deleted after; nothing is committed. In the
 * system Chromium at 1440×1000 on `?task=imageclasses`, it times from the file's choice to the
 * import's preview (the import worker reads and decodes every image; the main thread is traced on
 * until the page has been still for 3 s, so the preview's own tasks count), then from "Train on these
 * classes" to the held-out task's imported class names (the training worker adopts the decoded
 * classes), with a long-task observer on the page the whole time. It exits 1 when a task in
 * either phase is longer than --gate milliseconds (CPU time; wall time with --wall). --detail adds
 * where each phase's costliest main-thread tasks spent their CPU (mainThreadTrace.mjs).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { syntheticFiles, zipOf } from '../test/syntheticImages.ts';
import { describeFrame, framesDuring, observeLongFrames } from './longFrames.mjs';
import { traceMainThread } from './mainThreadTrace.mjs';
import { startPreview } from './previewServer.mjs';
import { scriptFlags } from './scriptFlags.mjs';

const { option, count, has } = scriptFlags(
  ['alphabets', 'characters', 'images', 'json', 'port', 'gate', 'wall', 'detail'],
  'npm run bench:image-import -- [--alphabets 50] [--characters 30] [--images 20] [--json out.json] [--port 4179] [--gate 50] [--wall] [--detail]',
);
/** the longest main-thread task allowed in either phase (ms): the target; over it the script exits 1 */
const gate = count('gate', 50);
const spec = {
  alphabets: count('alphabets', 50),
  characters: count('characters', 30),
  images: count('images', 20),
  side: 105,
};
const total = spec.alphabets * spec.characters * spec.images;

process.stderr.write(`making ${total} images...\n`);
const dir = mkdtempSync(join(tmpdir(), 'image-import-'));
const zipPath = join(dir, 'images_background.zip');
const zip = zipOf(syntheticFiles(spec));
writeFileSync(zipPath, zip);
process.stderr.write(`archive: ${(zip.length / 2 ** 20).toFixed(1)} MB\n`);

/** The page's clock now (runs in the page). */
const pageNow = () => performance.now();

/**
 * The long tasks (ms, rounded) and the long animation frames, in words, of the page's recording
 * (longFrames.mjs) that overlap [from, to] of the page's clock.
 */
async function longDuring(page, from, to) {
  const { tasks, frames } = await page.evaluate(() => {
    const w = /** @type {any} */ (globalThis);
    return { tasks: w.benchLongTasks, frames: w.benchFrames };
  });
  return {
    tasks: tasks
      .filter((/** @type {{ t: number, ms: number }} */ x) => x.t <= to && x.t + x.ms >= from)
      .map((/** @type {{ ms: number }} */ x) => Math.round(x.ms)),
    frames: framesDuring(frames, from, to).map(describeFrame),
  };
}

/**
 * Resolves when the page has not changed its DOM for 3 s (at most 120 s): the ms waited. (Runs in
 * the page.)
 */
function untilQuiet() {
  const w = /** @type {any} */ (globalThis);
  return new Promise((resolve) => {
    const t0 = performance.now();
    let last = t0;
    const seen = new w.MutationObserver(() => (last = performance.now()));
    seen.observe(w.document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    const check = setInterval(() => {
      const now = performance.now();
      if (now - last < 3000 && now - t0 < 120_000) return;
      clearInterval(check);
      seen.disconnect();
      resolve(Math.round(now - t0));
    }, 250);
  });
}

const preview = startPreview(Number(option('port', '4179')));
let browser;
try {
  await preview.ready();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
  await page.addInitScript(observeLongFrames);
  await page.goto(`${preview.base}?task=imageclasses&ways=5&k=1`);
  await page
    .getByRole('status')
    .filter({ hasText: /wasm|webgpu|cpu/ })
    .waitFor({ timeout: 120_000 });
  // the page's opening work (the example's evaluation and the charts it redraws) is over before
  // the import starts: its tasks are not the import's
  await page.locator('path.curve-line').nth(2).waitFor({ timeout: 120_000 });
  const quietMs = await page.evaluate(untilQuiet);
  process.stderr.write(`page quiet after ${quietMs} ms\n`);
  const detail = has('detail');
  let trace = await traceMainThread(page, { detail });
  // CSS locators, not role or label queries: Playwright's accessibility matching runs on the
  // page's main thread (up to 20 ms a query), which is not the page's work
  const t0 = Date.now();
  const importFrom = await page.evaluate(pageNow);
  await page.locator('input[aria-label="import image classes from a zip file"]').setInputFiles(zipPath);
  await page.locator('.import-summary').waitFor({ timeout: 600_000 });
  const importMs = Date.now() - t0;
  // the preview's later tasks (its images, canvases, layout) are the import's too
  await page.evaluate(untilQuiet);
  const importTrace = await trace.stop(gate);
  const importTo = await page.evaluate(pageNow);
  const { tasks: during, frames: slowImport } = await longDuring(page, importFrom, importTo);
  process.stderr.write(
    `import: ${importMs} ms, longest main-thread task ${Math.max(0, ...during)} ms (${during.length} over 50 ms)\n`,
  );
  trace = await traceMainThread(page, { detail });
  const t1 = Date.now();
  const trainerFrom = await page.evaluate(pageNow);
  await page.locator('.import-summary button', { hasText: 'Train on these classes' }).click();
  await page.locator('.class-name', { hasText: 'Alphabet_' }).first().waitFor({ timeout: 600_000 });
  const trainerMs = Date.now() - t1;
  const trainerTrace = await trace.stop(gate);
  const { tasks: after, frames: slowTrainer } = await longDuring(
    page,
    trainerFrom,
    await page.evaluate(pageNow),
  );
  const summary = ((await page.locator('.import-trained').textContent()) ?? '').trim();
  const out = {
    date: new Date().toISOString(),
    browser: `${browser.browserType().name()} ${browser.version()}`,
    images: total,
    archiveBytes: zip.length,
    loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
    importMs,
    longestTaskDuringImportMs: Math.max(0, ...during),
    longTasksDuringImport: during.length,
    mainThreadDuringImport: importTrace,
    trainerReadMs: trainerMs,
    longestTaskWhileTrainerReadsMs: Math.max(0, ...after),
    longTasksWhileTrainerReads: after.length,
    mainThreadWhileTrainerReads: trainerTrace,
    summary,
    slowFramesDuringImport: slowImport,
    slowFramesWhileTrainerReads: slowTrainer,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  const json = option('json', null);
  if (json) writeFileSync(json, `${JSON.stringify(out, null, 2)}\n`);
  // the gate is on the main thread's own work (CPU time); --wall gates wall time (a quiet machine)
  const wall = has('wall');
  const worst = Math.max(
    ...[importTrace, trainerTrace].map((t) => (wall || !t.cpuMeasured ? t.longestWallMs : t.longestCpuMs)),
  );
  const what = wall ? 'wall time' : 'CPU time';
  if (worst > gate) {
    process.stderr.write(`FAIL: a main-thread task of ${worst} ms ${what}, over the ${gate} ms gate\n`);
    process.exitCode = 1;
  } else process.stderr.write(`ok: no main-thread task over ${gate} ms of ${what} (longest ${worst} ms)\n`);
} finally {
  await browser?.close();
  preview.stop();
  rmSync(dir, { recursive: true, force: true });
}
