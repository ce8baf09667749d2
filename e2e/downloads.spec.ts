import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { expect, test, type Download, type Locator, type Page } from '@playwright/test';
import { readGlyphThetaFile } from '../src/core/export/glyphTheta';
import {
  collectErrors,
  readStep,
  status,
  trainTo,
  waitReady,
  waitStepAtLeast,
  recordViolations,
} from './helpers';

/** Pick a format from a chart's Download menu; the downloaded file's name and bytes. */
async function download(page: Page, section: Locator, format: 'png' | 'svg' | 'csv') {
  await section.getByRole('button', { name: 'Download ▾' }).click();
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    section.locator(`[role=menuitem][data-format="${format}"]`).click(),
  ]);
  return { name: file.suggestedFilename(), bytes: await bytesOf(file) };
}

async function bytesOf(file: Download): Promise<Buffer> {
  const path = await file.path();
  return readFile(path);
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** What an SVG file holds, parsed by the browser: parse errors, its size, elements by selector. */
async function parseSvg(page: Page, text: string, selectors: string[]) {
  return page.evaluate(
    ({ text, selectors }) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      const root = doc.documentElement;
      return {
        error: doc.querySelector('parsererror')?.textContent ?? null,
        width: Number(root.getAttribute('width')),
        height: Number(root.getAttribute('height')),
        title: root.querySelector(':scope > text')?.textContent ?? '',
        counts: selectors.map(
          (s) => Array.from(root.querySelectorAll(s)).filter((e) => e.getAttribute('d')).length,
        ),
        styled: root.querySelector('path.smoothed-loss, path.fan-line')?.getAttribute('style') ?? '',
      };
    },
    { text, selectors },
  );
}

/** The CSV's rows as string arrays (the charts' CSVs have no quoted line breaks). */
function csvRows(text: string): string[][] {
  return text
    .trimEnd()
    .split('\r\n')
    .map((l) => l.split(','));
}

/** The chart's size on the page (CSS pixels), which the PNG doubles (plus margins and title band). */
async function cssSize(svg: Locator): Promise<{ width: number; height: number }> {
  const box = await svg.boundingBox();
  if (!box) throw new Error('chart not drawn');
  return { width: Math.round(box.width), height: Math.round(box.height) };
}

// the figure's margin on each side and the title band above it (svgExport.ts)
const MARGIN = 12;
const TITLE = 30;

test('every chart downloads as PNG (2×), standalone SVG and CSV; θ downloads as a TensorFlow.js model that predicts what the page does', async ({
  page,
}) => {
  test.setTimeout(150_000);
  const errors = collectErrors(page);
  const violations = await recordViolations(page);
  await page.goto('./?seed=5&backend=wasm');
  await waitReady(page, /wasm/);
  const step = await trainTo(page, 40);

  // the learning curve
  const learning = page.locator('section[aria-labelledby="learning-title"]');
  await learning.getByRole('button', { name: 'Download ▾' }).click();
  await expect(learning.getByRole('menu')).toBeVisible();
  await expect(learning.getByRole('button', { name: 'Download ▾' })).toHaveAttribute('aria-expanded', 'true');
  await mkdir('test-results/downloads', { recursive: true });
  const head = await learning.locator('.chart-head').boundingBox();
  if (head) {
    await page.screenshot({
      path: 'test-results/downloads/menu.png',
      clip: { x: head.x, y: head.y, width: head.width, height: head.height + 120 },
    });
  }
  await page.keyboard.press('Escape');
  await expect(learning.getByRole('menu')).toHaveCount(0);
  await expect(learning.getByRole('button', { name: 'Download ▾' })).toBeFocused();

  // by keyboard: ↓ opens on the first item, ↓ moves, Space picks (and does not play)
  await learning.getByRole('button', { name: 'Download ▾' }).press('ArrowDown');
  await expect(learning.getByRole('menuitem', { name: 'PNG image' })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(learning.getByRole('menuitem', { name: 'CSV data' })).toBeFocused();
  const [byKey] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Space')]);
  expect(byKey.suggestedFilename()).toBe(`maml-learning-curve-step-${step}.csv`);
  await expect(learning.getByRole('menu')).toHaveCount(0);
  await expect(status(page)).toContainText('paused');
  expect(await readStep(page)).toBe(step);

  const chart = await cssSize(learning.locator('.chart-body > svg'));
  const png = await download(page, learning, 'png');
  expect(png.name).toBe(`maml-learning-curve-step-${step}.png`);
  const size = pngSize(png.bytes);
  // the chart's width, with the legend above it and the title band on top
  expect(size.width).toBe(2 * (chart.width + 2 * MARGIN));
  expect(size.height).toBeGreaterThan(2 * (chart.height + 2 * MARGIN + TITLE));
  // kept to look at
  await mkdir('test-results/downloads', { recursive: true });
  await writeFile('test-results/downloads/learning.png', png.bytes);

  const svg = await download(page, learning, 'svg');
  expect(svg.name).toBe(`maml-learning-curve-step-${step}.svg`);
  const parsed = await parseSvg(page, svg.bytes.toString('utf8'), ['path.smoothed-loss', 'path.raw-loss']);
  expect(parsed.error).toBeNull();
  expect(2 * parsed.width).toBe(size.width);
  expect(2 * parsed.height).toBe(size.height);
  expect(parsed.title).toBe(`Learning curve · meta-step ${step}`);
  expect(parsed.counts[0]).toBeGreaterThanOrEqual(1);
  expect(parsed.counts[1]).toBeGreaterThanOrEqual(1);
  // the page's stylesheet is not in the file: the line carries its stroke and no fill
  expect(parsed.styled).toMatch(/stroke:rgb/);
  expect(parsed.styled).toContain('fill:none');

  const csv = await download(page, learning, 'csv');
  expect(csv.name).toBe(`maml-learning-curve-step-${step}.csv`);
  const rows = csvRows(csv.bytes.toString('utf8'));
  expect(rows[0]).toEqual(['meta_step', 'series', 'quantity', 'value', 'min', 'max']);
  const losses = rows.filter((r) => r[1] === 'meta-loss');
  expect(losses.length).toBeGreaterThanOrEqual(step - 1);
  expect(Number(losses[losses.length - 1]?.[0])).toBe(step);
  expect(rows.some((r) => r[1] === 'held-out evaluation: maml' && Number(r[0]) === step)).toBe(true);

  // the task view: three panels in one figure
  const taskView = page.locator('section[aria-labelledby="task-title"]');
  await expect(taskView.locator('[data-panel="maml"] g.fan')).toHaveAttribute('data-step', String(step));
  const panels = taskView.locator('.panels');
  const box = await panels.boundingBox();
  const firstSvg = await cssSize(taskView.locator('.task-panel > svg').first());
  const taskPngFile = await download(page, taskView, 'png');
  await writeFile('test-results/downloads/task-view.png', taskPngFile.bytes);
  const taskPng = pngSize(taskPngFile.bytes);
  expect(taskPng.width).toBeGreaterThanOrEqual(2 * (Math.round(box?.width ?? 0) + 2 * MARGIN));
  expect(taskPng.height).toBeGreaterThan(2 * (firstSvg.height + 2 * MARGIN + TITLE));
  const fanCount = await taskView.locator('path.fan-line').count();
  const taskSvg = await parseSvg(page, (await download(page, taskView, 'svg')).bytes.toString('utf8'), [
    'path.fan-line',
    'path.truth-line',
  ]);
  expect(taskSvg.error).toBeNull();
  expect(taskSvg.counts).toEqual([fanCount, 3]);
  const taskCsv = await download(page, taskView, 'csv');
  expect(taskCsv.name).toBe(`maml-task-view-step-${step}.csv`);
  const taskRows = csvRows(taskCsv.bytes.toString('utf8'));
  expect(taskRows[0]?.slice(0, 4)).toEqual(['x', 'y_true', 'y_support', 'maml_after_0_steps']);
  const grid = taskRows.slice(1).filter((r) => r[2] === '');
  expect(grid.length).toBeGreaterThan(50);
  expect(taskRows.slice(1).filter((r) => r[2] !== '').length).toBe(10);

  // the other charts: a header naming the columns, then the rows they draw
  const headers: [string, string, string[]][] = [
    ['adapt-title', 'adaptation-curve', ['inner_step', 'method', 'metric', 'mean', 'ci95_half_width']],
    ['orders-title', 'first-vs-second-order', ['meta_step', 'cos_second_vs_first_order']],
    ['theta-title', 'parameter-space', ['series', 'meta_step', 'task', 'inner_step', 'pc1', 'pc2']],
  ];
  for (const [title, slug, header] of headers) {
    const section = page.locator(`section[aria-labelledby="${title}"]`);
    await section.scrollIntoViewIfNeeded();
    if (slug === 'parameter-space') {
      await expect(section.locator('.theta-figure path.inner-path').first()).toBeAttached({
        timeout: 30_000,
      });
    }
    const file = await download(page, section, 'csv');
    expect(file.name).toBe(`maml-${slug}-step-${step}.csv`);
    const table = csvRows(file.bytes.toString('utf8'));
    expect(table[0]?.slice(0, header.length)).toEqual(header);
    expect(table.length).toBeGreaterThan(1);
    const picture = await download(page, section, 'png');
    await writeFile(`test-results/downloads/${slug}.png`, picture.bytes);
    pngSize(picture.bytes);
  }

  // θ as a TensorFlow.js layers model: two files, loaded here in Node
  const files: Download[] = [];
  page.on('download', (d) => files.push(d));
  await page.locator('section.share').screenshot({ path: 'test-results/downloads/share-panel.png' });
  await page.getByTestId('theta-model-download').click();
  await expect.poll(() => files.length).toBe(2);
  const byName = new Map(files.map((f) => [f.suggestedFilename(), f]));
  const base = `maml-sinusoid-theta-step-${step}`;
  expect([...byName.keys()].sort()).toEqual([`${base}.json`, `${base}.weights.bin`]);
  const modelJson = JSON.parse((await bytesOf(byName.get(`${base}.json`) as Download)).toString('utf8'));
  expect(modelJson.weightsManifest[0].paths).toEqual([`${base}.weights.bin`]);
  const weights = await bytesOf(byName.get(`${base}.weights.bin`) as Download);
  expect(weights.length).toBe(1761 * 4);
  await tf.setBackend('cpu');
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.length),
    }),
  );
  // the model's predictions are the page's MAML panel before adaptation (inner step 0)
  const xs = grid.filter((_, i) => i % 10 === 0).map((r) => Number(r[0]));
  const want = grid.filter((_, i) => i % 10 === 0).map((r) => Number(r[3]));
  const got = Array.from((model.predict(tf.tensor2d(xs, [xs.length, 1])) as tf.Tensor).dataSync());
  got.forEach((v, i) => expect(Math.abs(v - (want[i] as number))).toBeLessThan(1e-4));
  expect(await readStep(page)).toBe(step);

  expect(await violations()).toEqual([]);
  expect(errors).toEqual([]);
});

test('the glyph lab: its task view downloads; θ downloads as a glyph θ file (batch norm with batch statistics)', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const violations = await recordViolations(page);
  await page.goto('./?task=glyphs&ways=3&batch=1&query=1&filters=8');
  await waitReady(page, /wasm/);
  const taskPanel = page.locator('section.glyph-task');
  await expect(taskPanel.getByTestId('support-grid').getByRole('img')).toHaveCount(3, { timeout: 30_000 });
  await expect(page.getByTestId('theta-model-download')).toHaveCount(0);
  // one meta-step, then θ as the glyph θ file (src/core/export/glyphTheta.ts, README)
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  const step = await waitStepAtLeast(page, 1);
  const [thetaFile] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('glyph-theta-download').click(),
  ]);
  expect(thetaFile.suggestedFilename()).toBe(`maml-glyphs-theta-step-${step}.json`);
  const { file, theta } = readGlyphThetaFile((await bytesOf(thetaFile)).toString('utf8'));
  // 3-way conv net of 4 blocks of 8 filters: 4 filters [3, 3, Cin, 8], 4 × (γ, β) [8], head [8, 3] + [3]
  const count = 9 * 8 + 3 * 9 * 8 * 8 + 4 * 2 * 8 + 8 * 3 + 3;
  expect(theta.length).toBe(count);
  expect(file.tensors.map((t) => t.name)[0]).toBe('conv0.w');
  expect(file).toMatchObject({ step, size: count, network: { net: 'conv', ways: 3 } });
  expect(theta.some((v) => v !== 0)).toBe(true);
  const csv = csvRows((await download(page, taskPanel, 'csv')).bytes.toString('utf8'));
  expect(csv[0]).toEqual([
    'query',
    'true_class',
    'true_glyph',
    'method',
    'inner_step',
    'predicted_class',
    'p_class_0',
    'p_class_1',
    'p_class_2',
  ]);
  expect(csv.length).toBeGreaterThan(3);
  const png = await download(page, taskPanel, 'png');
  pngSize(png.bytes);
  await mkdir('test-results/downloads', { recursive: true });
  await writeFile('test-results/downloads/glyph-task.png', png.bytes);
  const svg = await parseSvg(page, (await download(page, taskPanel, 'svg')).bytes.toString('utf8'), []);
  expect(svg.error).toBeNull();
  expect(await violations()).toEqual([]);
});
