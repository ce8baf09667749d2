import { expect, test } from '@playwright/test';
import {
  collectErrors,
  collectForeignRequests,
  readout,
  status,
  waitReady,
  waitStepAtLeast,
} from './helpers';

test('loads with no console errors, no foreign requests, and falls back to wasm saying why', async ({
  page,
  context,
  baseURL,
}) => {
  const errors = collectErrors(page);
  const foreign = collectForeignRequests(context, baseURL ?? 'http://localhost:4173/');
  await page.goto('./');
  await waitReady(page, /wasm/);
  await expect(status(page)).toContainText(/step 0 · wasm · [\d.]+ steps\/s/);
  // without --enable-unsafe-webgpu there is no adapter: the page must say so
  await expect(page.getByTestId('backend-note')).toContainText('WebGPU unavailable');
  await expect(readout(page, 'backend')).toHaveText('wasm');

  // every chart is drawn from worker data, not left empty
  await expect(page.locator('[data-panel="maml"] path.fan-line')).toHaveCount(11);
  await expect(page.locator('[data-panel="random"] path.fan-line')).toHaveCount(11);
  await expect(page.locator('path.curve-line')).toHaveCount(3);
  await expect(page.getByTestId('adapt-sub')).toContainText('100 held-out tasks');

  await page.getByRole('button', { name: 'Play' }).click();
  await waitStepAtLeast(page, 20);
  await page.getByRole('button', { name: 'Pause' }).click();
  const d = await page.locator('path.smoothed-loss').first().getAttribute('d');
  expect(d?.length ?? 0).toBeGreaterThan(50);

  expect(errors).toEqual([]);
  expect(foreign).toEqual([]);
});
