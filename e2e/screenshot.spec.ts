import { expect, test } from '@playwright/test';
import { trainFor, waitReady } from './helpers';

test('full-page screenshot of a trained state, evaluated with the paper protocol', async ({
  page,
}, testInfo) => {
  test.setTimeout(180_000);
  await page.goto('./');
  await waitReady(page, /wasm/);
  const n = await trainFor(page, { minSteps: 300, maxSteps: 1200, maxMs: 45_000 });
  await page.getByRole('button', { name: 'Evaluate on 600 tasks' }).click();
  await expect(page.getByTestId('adapt-sub')).toContainText(`600 held-out tasks (the paper protocol)`);
  await expect(page.getByTestId('adapt-sub')).toContainText(`meta-step ${n}`);
  await expect(page.getByRole('button', { name: 'Evaluate on 600 tasks' })).toBeEnabled();
  await expect(page.locator('path.curve-line')).toHaveCount(3);
  // meta-training has visibly helped: after one step MAML beats the random initialisation
  const numbers = (await page.locator('.numbers').textContent()) ?? '';
  const after1 = /after 1 step: MAML θ ([\d.]+) .*random init ([\d.]+)/.exec(numbers);
  expect(after1).not.toBeNull();
  expect(Number(after1?.[1])).toBeLessThan(Number(after1?.[2]));
  // the parameter-space view: the trajectory of θ so far and, computed on request, both landscapes
  const theta = page.getByRole('region', { name: 'Parameter space (θ)' });
  await expect
    .poll(async () => Number(await theta.getByTestId('theta-trajectory').getAttribute('data-points')))
    .toBeGreaterThan(50);
  await theta.getByRole('button', { name: 'Compute loss landscape' }).click();
  await expect(theta.getByTestId('landscape-sub')).toContainText(`θ at step ${n}`, { timeout: 60_000 });
  await expect(theta.getByTestId('landscape-post').locator('path.contour').first()).toBeVisible();
  await page.waitForTimeout(300);
  const path = 'test-results/trained-state.png';
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  await testInfo.attach('trained-state', { path, contentType: 'image/png' });
});
