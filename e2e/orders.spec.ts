import { expect, test } from '@playwright/test';
import { collectErrors, readStep, waitReady } from './helpers';

test('first vs second order: while MAML trains, the page charts how far the Hessian term turns the meta-gradient', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const errors = collectErrors(page);
  await page.goto('./');
  await waitReady(page);
  const reading = page.getByTestId('order-reading');
  // measured once at θ of step 0 while paused
  await expect(reading).toContainText(/At meta-step 0: the Hessian term turns the meta-gradient by /, {
    timeout: 30_000,
  });
  await page.getByRole('button', { name: 'Play' }).click();
  // then every few seconds while training: a later step, a reading with the angle, the scale and Reptile
  await expect(reading).toContainText(
    /At meta-step [1-9]\d*: the Hessian term turns the meta-gradient by [\d.]+° and scales it by \d+\.\d\d; the Reptile direction is [\d.]+° from the second-order meta-gradient/,
    { timeout: 40_000 },
  );
  // the three series are lines through at least two comparisons
  for (const key of ['cos', 'cosReptile', 'ratio']) {
    await expect(page.locator(`path.order-${key}`)).toHaveAttribute('d', /^M[^M]*L/, { timeout: 30_000 });
  }
  await page.getByRole('button', { name: 'Pause' }).click();
  expect(await readStep(page)).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});
