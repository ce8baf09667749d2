import { expect, test } from '@playwright/test';
import { collectErrors, readStep, waitReady, waitStepAtLeast } from './helpers';

test('function mixtures get the whole page: task view with fans, curves, θ view, mixture picker, share link', async ({
  page,
}) => {
  const errors = collectErrors(page);
  await page.goto('./?task=mixture&mix=line,abs&k=6');
  await waitReady(page);
  await expect(page.getByLabel('Task family')).toHaveValue('mixture');
  // the task view: K support points, a fan of 11 curves per initialisation, a line or |x| task
  const panel = page.locator('[data-panel="maml"]');
  await expect(panel.locator('circle.support-point')).toHaveCount(6);
  await expect(panel.locator('path.fan-line')).toHaveCount(11);
  await expect(page.locator('.task-desc')).toContainText(/line|\|x\| curve/);
  // the mixture picker shows the link's kinds and keeps at least one
  await expect(page.getByLabel('include line tasks')).toBeChecked();
  await expect(page.getByLabel('include sine tasks')).not.toBeChecked();

  await page.getByRole('button', { name: 'Play' }).click();
  await waitStepAtLeast(page, 30);
  await page.getByRole('button', { name: 'Pause' }).click();
  // the learning curve and the adaptation curve draw for this family too
  await expect(page.locator('path.smoothed-loss')).toHaveCount(1);
  await expect(page.locator('.numbers')).toContainText(/MSE|after/);
  await expect(page.getByTestId('theta-view').locator('svg').first()).toBeVisible();

  // a new mixture is a new task distribution: back to step 0, the URL says which kinds
  await page.getByLabel('include sine tasks').check();
  await expect.poll(() => new URL(page.url()).searchParams.get('mix')).toBe('sine,line,abs');
  await expect.poll(() => readStep(page)).toBe(0);
  await page.getByLabel('include line tasks').uncheck();
  await page.getByLabel('include |x| curve tasks').uncheck();
  await expect(page.getByLabel('include sine tasks')).toBeDisabled();
  await expect.poll(() => new URL(page.url()).searchParams.get('mix')).toBe('sine');
  expect(errors).toEqual([]);
});
