import { expect, test } from '@playwright/test';
import { collectErrors, expectGlyphFallbacks } from './helpers';
import type { GlyphRunReport } from '../src/engineCheck/glyphRunCheck';

// Runs in the chromium-webgpu project (SwiftShader adapter; the file name ends in webgpu.spec.ts).
// The engine check page's glyph-run mode (?glyph=run): the pretrained baseline's WGSL step against
// tfjs kernels, the glyph run on the WGSL engine beside the fused WebAssembly one, resume, Adam
// carried across engine changes (WGSL → tfjs kernels, WGSL → WebAssembly, tfjs kernels → WGSL),
// dispatches per step, and the fallbacks to tfjs with a reason (a forced over-limit network, a
// forced compile failure, a fallback mid-run).

test('the glyph run trains on the fused WGSL engine (baseline included) and falls back to tfjs with a reason', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors = collectErrors(page);
  await page.goto('./engine-check.html?glyph=run');
  await expect(page.locator('body')).toHaveAttribute('data-done', 'true', { timeout: 280_000 });
  const r = await page.evaluate(
    () => (window as unknown as { __glyphRunCheck: GlyphRunReport }).__glyphRunCheck,
  );
  console.log(JSON.stringify(r, null, 1));
  expect(r.error).toBeNull();
  expect(r.adapter).toBe('swiftshader');

  // the baseline's gradient and loss to 1e-4, its Adam steps and loss curve to 1e-3, with a
  // constant number of dispatches (4 more than the meta-step's) for every shape
  expect(r.pretrained.map((x) => x.name)).toHaveLength(3);
  for (const row of r.pretrained) {
    expect(row.errGrad, row.name).toBeLessThan(1e-4);
    expect(row.errLoss, row.name).toBeLessThan(1e-4);
    expect(row.errAdam, row.name).toBeLessThan(1e-3);
    expect(row.errCurve, row.name).toBeLessThan(1e-3);
    expect(row.dispatches, row.name).toBe(row.declared);
  }
  expect(new Set(r.pretrained.map((x) => x.dispatches))).toEqual(new Set([8]));

  // the run on the WGSL engine trains as the run on the fused WebAssembly engine does (itself
  // checked against tfjs kernels in test/glyphFusedRun.test.ts)
  expect(r.training!.errTheta).toBeLessThan(1e-3);
  expect(r.training!.errPretrained).toBeLessThan(1e-3);
  expect(r.training!.errMeta).toBeLessThan(1e-3);
  expect(r.training!.errPretrainedCurve).toBeLessThan(1e-3);
  expect(r.resumeBitEqual).toBe(true);
  expect(r.adamCarry!.toTfjs).toBeLessThan(1e-3);
  expect(r.adamCarry!.toWasm).toBeLessThan(1e-3);
  expect(r.adamCarry!.fromTfjs).toBeLessThan(1e-3);

  // a run's step: the engine's declared dispatches, whatever the meta-batch, ways, shots, queries
  const [b1, b3, noBaseline] = r.dispatches;
  expect(b1!.count).toBe(b1!.declared);
  expect(b3!.count).toBe(b1!.count);
  expect(noBaseline!.count).toBe(noBaseline!.declared);
  expect(b1!.count - noBaseline!.count).toBe(4);

  expectGlyphFallbacks(r.fallbacks);
  expect(errors).toEqual([]);
});
