import { expect, test } from '@playwright/test';
import { collectErrors } from './helpers';

// Runs in the chromium-webgpu project (SwiftShader adapter). The engine check page compares the
// fused WGSL meta-step with the project's tfjs learners (on tfjs-cpu) from the same θ and batches,
// counts dispatches, watches tensor counts and forces the fallbacks; this spec reads its report.
interface Row {
  name: string;
  algo: string;
  detail: string;
  errTheta: number;
  errAlpha: number | null;
  errPretrained: number | null;
  errLoss: number;
  hessianShare: number | null;
  pass: boolean;
}

interface Report {
  done: boolean;
  tolerance: number;
  adapter: Record<string, string> | null;
  rows: Row[];
  dispatches: { name: string; counted: number; declared: number }[];
  leak: { before: number; after: number; created: number; disposed: number } | null;
  fallbacks: { name: string; fellBack: boolean; reason: string }[];
  runs: { name: string; pass: boolean; detail: string }[];
  error: string | null;
}

test('the fused WebGPU meta-step matches tfjs (MAML++: the WebAssembly engine), stays within 8 dispatches, leaks nothing and falls back with a reason', async ({
  page,
}) => {
  test.setTimeout(600_000);
  const errors = collectErrors(page);
  await page.goto('./engine-check.html?bench=0'); // no timing in tests
  await expect(page.locator('body')).toHaveAttribute('data-done', 'true', { timeout: 580_000 });
  const r = await page.evaluate(() => (window as unknown as { __engineCheck: Report }).__engineCheck);
  expect(r.error).toBeNull();
  expect(r.adapter?.architecture).toBe('swiftshader');
  expect(r.tolerance).toBe(1e-5);

  // every case within 1e-5 relative (norm-based), and every value of each axis covered
  for (const row of r.rows) expect(row, `${row.name}: ${row.detail}`).toMatchObject({ pass: true });
  const algos = new Set(r.rows.map((x) => x.algo));
  expect([...algos].sort()).toEqual(['fomaml', 'maml', 'mamlpp', 'metasgd', 'reptile']);
  for (const axis of [/inner 1,/, /inner 2,/, /inner 5,/, /T 1,/, /T 7,/, /T 25,/]) {
    expect(
      r.rows.some((x) => axis.test(x.detail)),
      String(axis),
    ).toBe(true);
  }
  expect(r.rows.some((x) => x.errAlpha !== null)).toBe(true); // Meta-SGD's ∂/∂α checked
  // dropping the Hessian term would miss by far more than the tolerance (30-115% measured)
  const maml = r.rows.filter((x) => x.hessianShare !== null);
  expect(maml.length).toBeGreaterThan(0);
  for (const x of maml) expect(x.hessianShare, x.name).toBeGreaterThan(1000 * r.tolerance);
  expect(r.rows.some((x) => x.errPretrained !== null)).toBe(true); // the baseline's step checked
  // MAML++ against the WebAssembly engine: θ's and the rates' meta-gradient for 1, 2 and 5 inner
  // steps in both phases, Adam steps across the schedule switches, states moved both ways, and a
  // bit-identical resume
  const pp = r.rows.filter((x) => x.algo === 'mamlpp');
  for (const phase of [/first order/, /second order/])
    for (const inner of [/inner 1,/, /inner 2,/, /inner 5,/])
      expect(pp.some((x) => phase.test(x.name) && inner.test(x.detail) && x.errAlpha !== null)).toBe(true);
  expect(pp.filter((x) => x.hessianShare !== null)).toHaveLength(
    3 * (r.rows.some((x) => x.name.endsWith('GPU tuning')) ? 2 : 1),
  );
  for (const name of ['12 Adam steps', 'WebAssembly → WebGPU', 'WebGPU → WebAssembly', 'WebGPU resume'])
    expect(pp.some((x) => x.name.includes(name))).toBe(true);
  for (const x of pp.filter((y) => y.name.includes('resume'))) expect(x.errTheta + (x.errAlpha ?? 0)).toBe(0);
  // SwiftShader's own tuning (4 invocations, activations in storage) and the GPU tuning (64,
  // activations in workgroup memory) are both checked
  expect(r.rows.some((x) => x.name.endsWith('GPU tuning'))).toBe(true);

  // one meta-step (with the pretrained baseline) is at most 8 dispatches, as the engine declares
  expect(r.dispatches.length).toBeGreaterThan(0);
  for (const d of r.dispatches) {
    expect(d.counted, d.name).toBeLessThanOrEqual(8);
    expect(d.counted, d.name).toBe(d.declared);
  }

  // no tensor leak over 20 steps, nothing left after dispose
  expect(r.leak).not.toBeNull();
  expect(r.leak?.after).toBe(r.leak?.before);
  expect(r.leak?.disposed).toBe(r.leak?.created);

  // an over-limit network and a broken shader fall back with a reason; the backend survives
  const [over, broken, after] = r.fallbacks;
  expect(over?.fellBack).toBe(true);
  expect(over?.reason).toMatch(/storage binding limit/);
  expect(broken?.fellBack).toBe(true);
  expect(broken?.reason).toMatch(/failed to compile.*notDeclaredAnywhere/s);
  expect(after?.fellBack).toBe(false);

  // inside whole runs, as the page's worker drives it: the reference's curve, live changes, a
  // MAML++ run (θ, its rates, the losses) against tfjs and the WebAssembly engine, bit-identical
  // resume (MAML, Meta-SGD, MAML++), and an over-limit network on the WebAssembly engine
  expect(r.runs.map((x) => x.name)).toHaveLength(8);
  expect(r.runs.filter((x) => x.name.includes('MAML++')).map((x) => x.name)).toHaveLength(2);
  expect(r.runs.filter((x) => x.name.includes('mamlpp'))).toHaveLength(1);
  for (const x of r.runs) expect(x, `${x.name}: ${x.detail}`).toMatchObject({ pass: true });

  await expect(page.getByRole('table').first()).toBeVisible();
  expect(errors).toEqual([]);
});
