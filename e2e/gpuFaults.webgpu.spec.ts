import { expect, test } from '@playwright/test';
import { readStep, status, waitReady } from './helpers';

// Runs in the chromium-webgpu project (SwiftShader adapter). The faults are real: the hook destroys
// the worker's GPUDevice, or compiles a shader that is not WGSL on it.
interface Handle {
  maml: {
    store: { getState(): { snapshot: { step: number } | null; meta: { length: number } } };
    gpuFault(fault: 'device-lost' | 'shader-error'): void;
  };
}

const cases = [
  { fault: 'device-lost', says: 'the WebGPU device was lost (destroyed' },
  { fault: 'shader-error', says: 'WebGPU reported an error' },
] as const;

for (const { fault, says } of cases) {
  test(`${fault} while training on WebGPU: the page continues on wasm from the last θ, keeps the curve and says why`, async ({
    page,
  }) => {
    test.setTimeout(150_000);
    await page.goto('./?backend=webgpu');
    await waitReady(page, /webgpu/);
    await page.getByRole('button', { name: 'Play' }).click();
    await expect.poll(() => readStep(page), { timeout: 100_000 }).toBeGreaterThanOrEqual(3);
    const held = () =>
      page.evaluate(() => {
        const s = (window as unknown as Handle).maml.store.getState();
        return { step: s.snapshot?.step ?? 0, points: s.meta.length };
      });
    await expect.poll(async () => (await held()).step, { timeout: 60_000 }).toBeGreaterThan(0);
    const before = await held();

    await page.evaluate((f) => (window as unknown as Handle).maml.gpuFault(f), fault);
    const notice = page.getByRole('alert').filter({ hasText: 'The training worker failed on webgpu' });
    await expect(notice).toBeVisible({ timeout: 30_000 });
    await expect(notice).toContainText(says);
    await expect(notice).toContainText('Restarted it on wasm');
    await expect(status(page)).toContainText('wasm', { timeout: 60_000 });
    await expect(page.locator('[data-readout="backend"]')).toHaveText('wasm');
    // training goes on from the held θ, and the learning curve up to it is still there
    await expect.poll(() => readStep(page), { timeout: 60_000 }).toBeGreaterThan(before.step);
    expect((await held()).points).toBeGreaterThanOrEqual(before.step);
    await expect(page.locator('path.smoothed-loss')).toHaveCount(1);
    await page.getByRole('button', { name: 'Pause' }).click();
  });
}
