import { expect, test } from '@playwright/test';
import { collectErrors, readStep, status, waitReady } from './helpers';

// Which engine trains: a forced backend's fastest one unless engine= asks for tfjs kernels, and
// auto's race never holding the first step of a heavy network.

test('engine=tfjs with backend=wasm trains with tfjs kernels; backend=wasm alone on the fused engine', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const errors = collectErrors(page);
  await page.goto('./?batch=10&seed=3&engine=tfjs&backend=wasm');
  await waitReady(page, /wasm/);
  await expect(status(page)).toHaveAttribute('data-engine', 'tfjs');
  await expect(page.getByTestId('engine-picker')).toHaveValue('tfjs');
  await page.getByRole('button', { name: 'Play' }).click();
  await expect.poll(() => readStep(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  await expect(status(page)).not.toContainText('fused engine');
  // the picker's auto engine continues the same run on the fused engine; the link drops engine=
  const step = await readStep(page);
  await page.getByTestId('engine-picker').selectOption('auto');
  await expect(status(page)).toHaveAttribute('data-engine', 'fused', { timeout: 60_000 });
  await expect(status(page)).toContainText('(fused engine)');
  await expect.poll(() => new URL(page.url()).searchParams.get('engine')).toBeNull();
  expect(new URL(page.url()).searchParams.get('backend')).toBe('wasm');
  await expect.poll(() => readStep(page), { timeout: 60_000 }).toBeGreaterThan(step + 3);
  await page.getByRole('button', { name: 'Pause' }).click();
  expect(errors).toEqual([]);
});

test('a bad engine= value is named in the notice and auto is used', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('./?batch=10&engine=turbo&backend=wasm');
  await expect(page.getByText('engine=turbo is not one of auto, fused, tfjs; using auto')).toBeVisible();
  await waitReady(page, /wasm/);
  await expect(status(page)).toHaveAttribute('data-engine', 'fused');
  expect(errors).toEqual([]);
});

test('the heaviest sinusoid link shows its first meta-step within 20 s of Play on auto: the race does not hold it', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const errors = collectErrors(page);
  await page.goto('./?inner=10&batch=100&hidden=256,256&k=10');
  // Play as soon as the page offers it: training starts on the fused engine, the race comes after
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Play' }).click();
  await expect
    .poll(() => readStep(page).catch(() => 0), { timeout: 20_000, intervals: [200] })
    .toBeGreaterThanOrEqual(1);
  test.info().annotations.push({ type: 'first step', description: `${Date.now() - t0} ms after Play` });
  await expect(status(page)).toHaveAttribute('data-engine', 'fused');
  await page.getByRole('button', { name: 'Pause' }).click();
  expect(errors).toEqual([]);
});
