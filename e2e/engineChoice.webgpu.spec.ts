import { expect, test } from '@playwright/test';
import { collectErrors, readStep, status, waitReady } from './helpers';

// Runs in the chromium-webgpu project (SwiftShader adapter).
test('a forced WebGPU trains the sinusoid on the fused WGSL engine, compared with wasm fused', async ({
  page,
}) => {
  test.setTimeout(150_000);
  const errors = collectErrors(page);
  await page.goto('./?backend=webgpu');
  await waitReady(page, /webgpu/);
  await expect(status(page)).toHaveAttribute('data-engine', 'fused');
  await expect(status(page)).toContainText('(fused engine)');
  await page.getByRole('button', { name: 'Play' }).click();
  await expect.poll(() => readStep(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(10);
  await expect(status(page)).toContainText('webgpu');
  await expect(page.getByTestId('backend-speed')).toContainText(/WebGPU .* (slower|faster) .*wasm/, {
    timeout: 60_000,
  });
  // engine=tfjs keeps tfjs kernels on WebGPU, continuing the same run
  const step = await readStep(page);
  await page.getByTestId('engine-picker').selectOption('tfjs');
  await expect(status(page)).toHaveAttribute('data-engine', 'tfjs', { timeout: 60_000 });
  await expect.poll(() => new URL(page.url()).searchParams.get('engine')).toBe('tfjs');
  expect(await readStep(page)).toBeGreaterThanOrEqual(step);
  await page.getByRole('button', { name: 'Pause' }).click();
  expect(errors).toEqual([]);
});
