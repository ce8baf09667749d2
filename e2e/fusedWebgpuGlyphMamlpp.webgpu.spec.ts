import { expect, test, type Browser, type Page } from '@playwright/test';
import { collectErrors, readStep, status, waitReady, expectGlyphFallbacks } from './helpers';
import type { MamlppRunReport } from '../src/engineCheck/glyphMamlppRun';

// Runs in the chromium-webgpu project (SwiftShader adapter; the file name ends in webgpu.spec.ts).
// A MAML++ glyph run on the fused WGSL glyph engine: in the page (a link forced to WebGPU trains
// on it, the status names it, its first losses are the WebAssembly engine's across the
// derivative-order switch), and as a whole run on the engine check page (?glyph=mamlpp-run):
// losses, θ, the learned rates and the pretrained baseline beside the WebAssembly engine's run,
// the views of the rates, the state moved to WebAssembly and back.

const SLOW = { timeout: 300_000 };
// a small network, first order for the first 2 meta-steps, second order after
const LINK = 'task=glyphs&algo=mamlpp&ways=3&batch=2&query=1&filters=4&inner=2&firstOrder=2&msl=3';

/** Three single meta-steps from a paused page: the learning curve's last three losses. */
async function threeSteps(page: Page): Promise<number[]> {
  const start = await readStep(page);
  for (let i = 1; i <= 3; i++) {
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => readStep(page), { ...SLOW, intervals: [100] }).toBe(start + i);
  }
  const curve = () =>
    page.evaluate(() => {
      const s = (
        window as unknown as {
          maml: {
            store: { getState(): { meta: { length: number; steps: Float64Array; values: Float32Array } } };
          };
        }
      ).maml.store.getState().meta;
      return {
        steps: Array.from(s.steps.subarray(0, s.length)),
        values: Array.from(s.values.subarray(0, s.length)),
      };
    });
  await expect.poll(async () => (await curve()).steps, { timeout: 60_000 }).toEqual([1, 2, 3]);
  return (await curve()).values;
}

/** The link's first three losses on the fused WebAssembly engine, in a browser context of its own. */
async function wasmLosses(browser: Browser): Promise<number[]> {
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  try {
    const page = await context.newPage();
    await page.goto(`./?${LINK}&backend=wasm`);
    await waitReady(page, /wasm/);
    await expect(status(page)).toHaveAttribute('data-engine', 'fused');
    return await threeSteps(page);
  } finally {
    await context.close();
  }
}

test('a MAML++ glyph link forced to WebGPU trains on the WGSL engine, step for step as on WebAssembly', async ({
  page,
  browser,
}) => {
  test.setTimeout(600_000);
  const errors = collectErrors(page);
  const want = await wasmLosses(browser);
  await page.goto(`./?${LINK}&backend=webgpu`);
  await waitReady(page, /webgpu/);
  await expect(status(page)).toHaveAttribute('data-engine', 'fused');
  await expect(status(page)).toContainText('(fused engine)');
  await expect(page.getByRole('alert').filter({ hasText: 'cannot train' })).toHaveCount(0);
  const got = await threeSteps(page);
  console.log(JSON.stringify({ webgpu: got, wasm: want }));
  got.forEach((l, i) => {
    const w = want[i] as number;
    expect(Math.abs(l - w) / Math.abs(w), `step ${i + 1}: ${l} against ${w}`).toBeLessThan(1e-4);
  });
  await expect(status(page)).toHaveAttribute('data-engine', 'fused');
  expect(errors).toEqual([]);
});

test('a MAML++ glyph run on the WGSL engine: beside the WebAssembly run, its views of the rates, state moves', async ({
  page,
}) => {
  test.setTimeout(580_000);
  const errors = collectErrors(page);
  await page.goto('./engine-check.html?glyph=mamlpp-run');
  await expect(page.locator('body')).toHaveAttribute('data-done', 'true', { timeout: 560_000 });
  const r = await page.evaluate(
    () => (window as unknown as { __glyphMamlppRun: MamlppRunReport }).__glyphMamlppRun,
  );
  console.log(JSON.stringify(r, null, 1));
  expect(r.error).toBeNull();
  expect(r.engines).toEqual({ gpu: 'WGSL', wasm: 'WebAssembly', gpuLearner: true });
  expect(r.steps).toBeGreaterThan(r.firstOrder);
  const t = r.training!;
  for (const e of [t.errMeta, t.errTheta, t.errRates, t.errRatesView, t.errSpread])
    expect(e).toBeLessThanOrEqual(1e-4);
  // the baseline: constant β on both engines
  for (const e of [t.errPretrained, t.errPretrainedCurve]) expect(e).toBeLessThanOrEqual(1e-4);
  expect(t.ratesMoved).toBeGreaterThan(1e-3);
  expect(r.moves).toMatchObject({ keptToWasm: true, keptBack: true, sameSteps: true });
  for (const e of [r.moves!.errTheta, r.moves!.errRates, r.moves!.errMoments])
    expect(e).toBeLessThanOrEqual(1e-4);
  expect(r.rates!.gpu).toBeGreaterThan(0);
  expect(r.rates!.wasm).toBeGreaterThan(0);

  // MAML++ runs that cannot train on the engine train on tfjs kernels, with the reason
  expectGlyphFallbacks(r.fallbacks);
  expect(errors).toEqual([]);
});
