import { expect, test } from '@playwright/test';
import { trainTo, waitReady } from './helpers';

test('full-page screenshot of a trained state', async ({ page }, testInfo) => {
  await page.goto('./');
  await waitReady(page, /wasm/);
  await trainTo(page, 400);
  await expect(page.locator('path.curve-line')).toHaveCount(3);
  await page.waitForTimeout(300);
  const path = 'test-results/trained-state.png';
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  await testInfo.attach('trained-state', { path, contentType: 'image/png' });
});
