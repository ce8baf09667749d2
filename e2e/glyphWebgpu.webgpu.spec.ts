import { expect, test, type Browser, type Page } from '@playwright/test';
import { collectErrors, readStep, status, waitReady } from './helpers';

// Runs in the chromium-webgpu project (SwiftShader adapter; the file name ends in webgpu.spec.ts).
// The glyph lab on the fused WGSL glyph engine: a forced WebGPU accepts the page's own default
// configuration (its meta-step in task chunks on SwiftShader's per-dispatch limit) and trains on
// it, and the engine's faults (a shader that does not compile, a network over the device's
// limits) move the run to tfjs kernels with the reason, keeping θ, Adam's moments, the step and
// the curves.

interface StoreView {
  meta: { length: number; steps: Float64Array; values: Float32Array };
  snapshot: { step: number } | null;
}

/** The learning curve's points so far: steps and mean meta-losses. */
function curve(page: Page): Promise<{ steps: number[]; values: number[] }> {
  return page.evaluate(() => {
    const s = (window as unknown as { maml: { store: { getState(): StoreView } } }).maml.store.getState();
    return {
      steps: Array.from(s.meta.steps.subarray(0, s.meta.length)),
      values: Array.from(s.meta.values.subarray(0, s.meta.length)),
    };
  });
}

/**
 * Three single meta-steps from a paused page: the curve's last three losses, and the page's
 * seconds per step (from the Step click to the status showing it, the first step not counted; on
 * SwiftShader this includes the lab's read-only work, so it is no training rate).
 */
async function threeSteps(page: Page): Promise<{ losses: number[]; secondsPerStep: number }> {
  const start = await readStep(page);
  let t0 = 0;
  for (let i = 1; i <= 3; i++) {
    if (i === 2) t0 = Date.now();
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => readStep(page), { ...SLOW, intervals: [100] }).toBe(start + i);
  }
  const secondsPerStep = (Date.now() - t0) / 2000;
  await expect.poll(async () => (await curve(page)).steps.at(-1), { timeout: 30_000 }).toBe(start + 3);
  return { losses: (await curve(page)).values.slice(-3), secondsPerStep };
}

// a small network (the default's steps take seconds each on SwiftShader, and the lab's read-only
// work on tfjs kernels there holds training for minutes after the first steps)
const SMALL = 'task=glyphs&ways=3&batch=2&query=1&filters=8';
const SLOW = { timeout: 300_000 };

/**
 * The small link's first three losses on the fused WebAssembly engine: the curve every engine
 * must draw for this seed (in a browser context of its own, so this browser saves no run of the
 * link that the WebGPU page would then continue).
 */
async function wasmLosses(browser: Browser): Promise<number[]> {
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  try {
    const page = await context.newPage();
    await page.goto(`./?${SMALL}&backend=wasm`);
    await waitReady(page, /wasm/);
    await expect(status(page)).toHaveAttribute('data-engine', 'fused');
    expect(await readStep(page)).toBe(0);
    return (await threeSteps(page)).losses;
  } finally {
    await context.close();
  }
}

test('?task=glyphs&backend=webgpu trains the glyph lab on the WGSL engine', async ({ page, browser }) => {
  test.setTimeout(900_000);
  const errors = collectErrors(page);
  const onWasm = { losses: await wasmLosses(browser) };
  // the page's own default configuration: accepted (in 3 task chunks on SwiftShader's per-dispatch
  // limit) and compiled before the worker reports ready, so no refusal
  await page.goto('./?task=glyphs&backend=webgpu');
  // (compiling the 32-filter programs on SwiftShader takes a minute or more on a loaded machine)
  await expect(status(page)).toContainText(/webgpu/, SLOW);
  await expect(status(page)).toHaveAttribute('data-engine', 'fused');
  await expect(status(page)).toContainText('(fused engine)');
  await expect(page.getByRole('alert').filter({ hasText: 'cannot train' })).toHaveCount(0);

  // a small network trains on it, step by step, with finite losses
  await page.goto(`./?${SMALL}&backend=webgpu`);
  await waitReady(page, /webgpu/);
  await expect(status(page)).toHaveAttribute('data-engine', 'fused');
  expect(await readStep(page)).toBe(0);
  const { losses, secondsPerStep } = await threeSteps(page);
  const onGpu = await curve(page);
  console.log(JSON.stringify({ losses, secondsPerStep, curve: onGpu, wasm: onWasm.losses }));
  for (const l of losses) expect(Number.isFinite(l)).toBe(true);
  // the first losses are the wasm page's, step for step (f32 sums in another order: 1e-5)
  expect(onGpu.steps).toEqual([1, 2, 3]);
  losses.forEach((l, i) => {
    const want = onWasm.losses[i] as number;
    expect(Math.abs(l - want) / Math.abs(want), `step ${i + 1}: ${l} against ${want}`).toBeLessThan(1e-5);
  });
  await expect(status(page)).toHaveAttribute('data-engine', 'fused');
  expect(errors).toEqual([]);
});

const faults = [
  {
    name: 'a WGSL shader that does not compile',
    faults: { breakShader: true },
    says: /failed to compile[\s\S]*notDeclaredAnywhere/,
  },
  {
    name: 'a network over the device limits',
    // the device's limits as the engine reads them, with a 64 KiB storage binding
    faults: {
      gpuLimits: {
        maxComputeWorkgroupStorageSize: 16384,
        maxComputeInvocationsPerWorkgroup: 256,
        maxComputeWorkgroupSizeX: 256,
        maxComputeWorkgroupsPerDimension: 65535,
        maxStorageBufferBindingSize: 1 << 16,
        maxBufferSize: 1 << 28,
        maxStorageBuffersPerShaderStage: 8,
      },
    },
    says: /storage binding limit/,
  },
];

for (const f of faults) {
  test(`the glyph lab on WGSL meets ${f.name}: it goes on with tfjs kernels, θ, Adam, step and curve kept, and says why`, async ({
    page,
  }) => {
    test.setTimeout(900_000);
    const errors = collectErrors(page);
    await page.goto(`./?${SMALL}&backend=webgpu`);
    await waitReady(page, /webgpu/);
    await expect(status(page)).toHaveAttribute('data-engine', 'fused');
    await page.getByRole('button', { name: 'Play' }).click();
    await expect.poll(() => readStep(page), SLOW).toBeGreaterThanOrEqual(4);
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect(status(page)).toContainText('paused', SLOW);
    const before = await readStep(page);
    const curveBefore = await curve(page);

    // the fault hook lives in the training worker (set in every worker of the page: only that
    // one reads it): the engine the run is rebuilt on meets it
    expect(page.workers().length).toBeGreaterThan(0);
    for (const worker of page.workers())
      await worker.evaluate((faults) => {
        (globalThis as { __glyphEngineFaults?: unknown }).__glyphEngineFaults = faults;
      }, f.faults);
    // asking for the fused engine explicitly rebuilds the run on it from its whole state
    await page.getByTestId('engine-picker').selectOption('fused');

    const notice = page.getByRole('alert').filter({ hasText: 'The fused WGSL engine cannot train this run' });
    await expect(notice).toBeVisible(SLOW);
    await expect(notice).toContainText(f.says);
    await expect(notice).toContainText("θ, Adam's moments, the step and the curves kept");
    await expect(status(page)).toHaveAttribute('data-engine', 'tfjs', SLOW);
    await expect(status(page)).toContainText('webgpu');
    expect(await readStep(page)).toBe(before);

    // training goes on from that step on tfjs kernels: the curve continues past it
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => readStep(page), SLOW).toBe(before + 1);
    await expect.poll(async () => (await curve(page)).steps.at(-1), { timeout: 30_000 }).toBe(before + 1);
    const after = await curve(page);
    expect(after.steps.slice(0, curveBefore.steps.length)).toEqual(curveBefore.steps);
    expect(Number.isFinite(after.values.at(-1))).toBe(true);
    expect(errors).toEqual([]);
  });
}
