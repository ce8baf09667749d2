import { expect, test } from '@playwright/test';
import { readStep, status, waitReady, waitStepAtLeast } from './helpers';

test('Play, Pause, Step and Reset drive meta-training', async ({ page }) => {
  await page.goto('./');
  await waitReady(page);
  expect(await readStep(page)).toBe(0);

  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(status(page)).toContainText('step 1 ');
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(status(page)).toContainText('step 2 ');

  await page.getByRole('button', { name: 'Play' }).click();
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Step', exact: true })).toBeDisabled();
  const running = await waitStepAtLeast(page, 20);
  expect(running).toBeGreaterThanOrEqual(20);

  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
  // "paused" appears once the worker has stopped: the step it shows is the step θ is at
  await expect(status(page)).toContainText('· paused');
  const paused = await readStep(page);
  await page.waitForTimeout(1000);
  expect(await readStep(page)).toBe(paused);

  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(status(page)).toContainText(`step ${paused + 1} `);

  await page.getByRole('button', { name: 'Reset' }).click();
  await expect(status(page)).toContainText('step 0 ');
  await expect(page.locator('[data-readout="loss"]')).toHaveText('–');
});

test('the space bar toggles training, also with a button focused', async ({ page }) => {
  await page.goto('./');
  await waitReady(page);
  await page.locator('body').press('Space');
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
  await waitStepAtLeast(page, 5);
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
  await page.waitForTimeout(400);
  const paused = await readStep(page);
  await page.waitForTimeout(800);
  expect(await readStep(page)).toBe(paused);

  // focus a button: space must toggle once, not also click the button
  await page.getByRole('button', { name: 'Reset' }).focus();
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
  await waitStepAtLeast(page, paused + 5);
  await page.keyboard.press('Space');
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
  expect(await readStep(page)).toBeGreaterThan(paused);
});
