import { expect, test } from '@playwright/test';
import { collectErrors, status, waitReady } from './helpers';

// Runs in the chromium-webgpu project (SwiftShader adapter): the CSP holds on WebGPU too.
test('the strict CSP holds while training on WebGPU', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = collectErrors(page);
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.effectiveDirective} ${e.blockedURI}`),
    );
  });
  await page.goto('./?backend=webgpu');
  await waitReady(page, /webgpu/);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(status(page)).toContainText('step 1 ', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(status(page)).toContainText('step 2 ', { timeout: 60_000 });
  expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual(
    [],
  );
  expect(errors).toEqual([]);
});
