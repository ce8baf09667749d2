import { expect, test } from '@playwright/test';
import type { PiecesReport } from '../src/engineCheck/glyphMamlppPieces';
import type { MamlppGlyphReport } from '../src/engineCheck/glyphMamlpp';
import { collectErrors } from './helpers';

// Runs in the chromium-webgpu project (SwiftShader adapter; the file name ends in webgpu.spec.ts).
// The engine check page's glyph mode (?glyph=1) compares the fused WGSL glyph meta-step with the
// fused CPU engine (itself checked against the tfjs MetaLearner) from the same θ and batches,
// counts dispatches, runs Adam, resume, an engine change, a leak check and the fallbacks.
interface Row {
  name: string;
  algo: string;
  detail: string;
  errTheta: number;
  errAlpha: number | null;
  errLoss: number;
  dispatches: number;
  declared: number;
  chunks: number;
  phases: number;
  cuts: number;
  bitEqual: boolean | null;
  pass: boolean;
}

interface Report {
  done: boolean;
  tolerance: number;
  adapter: string | null;
  rows: Row[];
  hessianShare: number | null;
  adam: {
    algo: string;
    steps: number;
    errTheta: number;
    errM: number;
    errAlpha: number | null;
    errLoss: number;
    tSame: boolean;
  }[];
  resume: { bitEqual: boolean; fromCpu: number; toCpu: number } | null;
  leak: { before: number; after: number } | null;
  fallbacks: { name: string; fellBack: boolean; reason: string }[];
  error: string | null;
}

test('the fused WGSL glyph meta-step matches the CPU engine with a constant dispatch count and falls back with a reason', async ({
  page,
}) => {
  test.setTimeout(580_000);
  const errors = collectErrors(page);
  await page.goto('./engine-check.html?glyph=1');
  await expect(page.locator('body')).toHaveAttribute('data-done', 'true', { timeout: 560_000 });
  const r = await page.evaluate(() => (window as unknown as { __glyphCheck: Report }).__glyphCheck);
  console.log(JSON.stringify(r, null, 1));
  expect(r.error).toBeNull();
  expect(r.adapter).toBe('swiftshader');
  expect(r.tolerance).toBe(1e-4);

  for (const row of r.rows) expect(row, `${row.name}: ${row.detail}`).toMatchObject({ pass: true });
  expect([...new Set(r.rows.map((x) => x.algo))].sort()).toEqual(['fomaml', 'maml', 'metasgd', 'reptile']);
  for (const axis of [/inner 1,/, /inner 2,/, /inner 5,/, /T 1$/, /T 3$/, /T 8$/, /^fc/, /^conv/]) {
    expect(
      r.rows.some((x) => axis.test(x.detail)),
      String(axis),
    ).toBe(true);
  }
  expect(r.rows.some((x) => x.errAlpha !== null)).toBe(true);

  // the same dispatches per step for meta-batch 1, 3 and 8 (and any shape), as the engine declares
  const counts = r.rows
    .filter((x) => x.name.startsWith('conv, batch norm, MAML, 1 step'))
    .map((x) => x.dispatches);
  expect(counts).toHaveLength(3);
  expect(new Set(counts).size).toBe(1);
  for (const row of r.rows) expect(row.dispatches, row.name).toBe(row.declared);
  const whole = r.rows.filter((x) => !/^(split|phases|cuts)/.test(x.name));
  for (const row of whole)
    expect([row.chunks, row.phases, row.dispatches <= 5], row.name).toEqual([1, 1, true]);

  // over a per-dispatch limit (work or memory) the same step runs in task chunks, equal to the
  // CPU engine to the tolerance: 2 dispatches per chunk (the per-task program, the sums) and the
  // optimizer's, however many tasks this step has
  const split = r.rows.filter((x) => x.name.startsWith('split'));
  expect(split.map((x) => x.chunks)).toEqual([4, 3, 4, 4, 8, 3]);
  for (const row of split)
    expect(row.dispatches, row.name).toBe(2 * row.chunks + (row.algo === 'metasgd' ? 4 : 3));
  expect(split.some((x) => /memory/.test(x.name))).toBe(true);

  // one task over the work limit: its per-task program in phases, the per-task buffer carried from
  // phase to phase; the same bits as the unsplit step, and the CPU engine's numbers to the tolerance
  const phased = r.rows.filter((x) => x.name.startsWith('phases'));
  expect(phased.map((x) => x.algo).sort()).toEqual(['fomaml', 'maml', 'maml', 'metasgd', 'reptile']);
  for (const row of phased) {
    expect(row.phases, row.name).toBeGreaterThan(1);
    expect(row.cuts, row.name).toBe(0);
    expect(row.bitEqual, row.name).toBe(true);
    const perTask = row.chunks * row.phases + (row.chunks > 1 ? row.chunks : 0);
    expect(row.dispatches, row.name).toBe(perTask + (row.algo === 'metasgd' ? 4 : 3));
  }

  // one operation alone over the work limit: cut into pieces by images or by weight-gradient
  // elements, every output computed as in the unsplit step (partly in one dispatch, partly in
  // the next): the same bits as the unsplit step, and the CPU engine's numbers to the tolerance
  const cut = r.rows.filter((x) => x.name.startsWith('cuts'));
  expect(cut.map((x) => x.algo).sort()).toEqual(['fomaml', 'maml', 'metasgd']);
  for (const row of cut) {
    expect(row.cuts, row.name).toBeGreaterThan(0);
    expect(row.phases, row.name).toBeGreaterThan(1);
    expect(row.bitEqual, row.name).toBe(true);
    const perTask = row.chunks * row.phases + (row.chunks > 1 ? row.chunks : 0);
    expect(row.dispatches, row.name).toBe(perTask + (row.algo === 'metasgd' ? 4 : 3));
  }

  // the Hessian term weighs far more than the tolerance, so MAML's check is of second order
  expect(r.hessianShare).toBeGreaterThan(100 * r.tolerance);

  // Adam over 20 MAML steps (3 Meta-SGD): the change of θ, the first moment and the loss curve
  // agree with the CPU engine
  expect(r.adam.map((a) => a.steps)).toEqual([20, 3]);
  for (const a of r.adam) {
    expect(a.errTheta, a.algo).toBeLessThan(1e-3);
    expect(a.errM, a.algo).toBeLessThan(r.tolerance);
    expect(a.errLoss, a.algo).toBeLessThan(1e-3);
    expect(a.tSame).toBe(true);
    if (a.algo === 'metasgd') expect(a.errAlpha).toBeLessThan(1e-3);
  }

  // resume from an exported state is bit-equal; the CPU engine's state continues here
  expect(r.resume?.bitEqual).toBe(true);
  expect(r.resume?.fromCpu).toBeLessThan(1e-3);
  expect(r.resume?.toCpu).toBeLessThan(1e-3);

  expect(r.leak).not.toBeNull();
  expect(r.leak?.after).toBe(r.leak?.before);

  const [over, broken, after] = r.fallbacks;
  expect(over?.fellBack).toBe(true);
  // what cannot be split: one task's activations over the storage binding limit
  expect(over?.reason).toMatch(/per-task buffer .* storage binding limit/);
  expect(broken?.fellBack).toBe(true);
  expect(broken?.reason).toMatch(/failed to compile.*notDeclaredAnywhere/s);
  expect(after?.fellBack).toBe(false);
  expect(errors).toEqual([]);
});

test('MAML++ pieces of the WGSL glyph engine: the sets’ advance, its inverse and the per-step rates run as their TypeScript maps', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const errors = collectErrors(page);
  await page.goto('./engine-check.html?glyph=mamlpp-pieces');
  await expect(page.locator('body')).toHaveAttribute('data-done', 'true', { timeout: 220_000 });
  const r = await page.evaluate(
    () => (window as unknown as { __glyphMamlppPieces: PiecesReport }).__glyphMamlppPieces,
  );
  console.log(JSON.stringify(r, null, 1));
  expect(r.error).toBeNull();
  expect(r.rows.map((x) => x.name)).toEqual([
    'conv, batch norm, 2 blocks',
    'conv, bias, 3 blocks',
    'fc, batch norm, odd widths',
  ]);
  for (const row of r.rows) expect(row, row.name).toMatchObject({ pass: true });
  expect(errors).toEqual([]);
});

test('MAML++ on the WGSL glyph engine matches the WebAssembly engine: meta-gradients, Adam across the schedule, state moves', async ({
  page,
}) => {
  test.setTimeout(580_000);
  const errors = collectErrors(page);
  await page.goto('./engine-check.html?glyph=mamlpp');
  await expect(page.locator('body')).toHaveAttribute('data-done', 'true', { timeout: 560_000 });
  const r = await page.evaluate(
    () => (window as unknown as { __glyphMamlpp: MamlppGlyphReport }).__glyphMamlpp,
  );
  console.log(JSON.stringify(r, null, 1));
  expect(r.error).toBeNull();
  expect(r.tolerance).toBe(1e-4);
  expect(r.rows.length).toBe(11);
  for (const row of r.rows) expect(row, `${row.name}: ${row.detail}`).toMatchObject({ pass: true });
  expect(r.adam).not.toBeNull();
  expect(r.adam!.tSame).toBe(true);
  for (const e of [r.adam!.errTheta, r.adam!.errRates, r.adam!.errLoss]) expect(e).toBeLessThanOrEqual(1e-4);
  expect(r.moves).not.toBeNull();
  expect(r.moves!.fromCpu).toBeLessThanOrEqual(1e-4);
  expect(r.moves!.toCpu).toBeLessThanOrEqual(1e-4);
  expect(r.moves!.resumeBitEqual).toBe(true);
  // the Hessian term and the intermediate queries weigh far more than the tolerance
  expect(r.share!.hessian).toBeGreaterThan(1e-2);
  expect(r.share!.weights).toBeGreaterThan(1e-2);
  expect(errors).toEqual([]);
});
