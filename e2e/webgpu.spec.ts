import { expect, test } from '@playwright/test';
import { collectErrors, readStep, status, waitReady } from './helpers';

// Runs in the chromium-webgpu project: --enable-unsafe-webgpu with the SwiftShader adapter.
test('with WebGPU available the worker trains on webgpu and compares it with wasm', async ({ page }) => {
  test.setTimeout(150_000);
  const errors = collectErrors(page);
  await page.goto('./');
  await waitReady(page, /webgpu/);
  await expect(page.locator('[data-readout="backend"]')).toHaveText('webgpu');
  await page.getByRole('button', { name: 'Play' }).click();
  await expect.poll(() => readStep(page), { timeout: 100_000 }).toBeGreaterThanOrEqual(3);
  await expect(status(page)).toContainText('webgpu');
  // the first WebGPU steps are timed against wasm and the result is shown
  await expect(page.getByTestId('backend-speed')).toContainText(/WebGPU .* (slower|faster) .*wasm/, {
    timeout: 60_000,
  });
  // where WebGPU lost the comparison (always, on the software adapter) the user can switch
  const speed = (await page.getByTestId('backend-speed').textContent()) ?? '';
  if (speed.includes('slower')) {
    const step = await readStep(page);
    await page.getByRole('button', { name: 'Switch to wasm' }).click();
    await expect(status(page)).toContainText('wasm', { timeout: 60_000 });
    await expect.poll(() => new URL(page.url()).searchParams.get('backend')).toBe('wasm');
    // resumed from the θ the page held, and still training
    await expect.poll(() => readStep(page), { timeout: 60_000 }).toBeGreaterThan(step + 10);
  }
  await page.getByRole('button', { name: 'Pause' }).click();
  expect(errors).toEqual([]);
});
