import { expect, test, type Page } from '@playwright/test';
import { watchTraining } from './helpers';

/**
 * The main thread while training, 30 s per backend: `npm run soak:longtasks` runs each check ten
 * times (scripts/longtasks-soak.mjs) and reports how many passed and the longest task each saw. Not
 * part of `npm test`: five backends ten times over is most of an hour on the 2-core machine; the
 * 5 s check on auto in longtasks.spec.ts is the gate. WebGPU's check is longtasks.webgpu.soak.ts.
 */

/** The glyph lab has opened: its shipped θ (where there is one) loaded and its first task shown. */
async function glyphLabOpened(page: Page): Promise<void> {
  await expect(page.getByTestId('shipped-status')).not.toContainText('looking', { timeout: 30_000 });
  if (!(await page.getByTestId('shipped-status').textContent())?.includes('No shipped θ')) {
    await expect(page.getByTestId('theta-source')).toContainText('shipped', { timeout: 30_000 });
  }
  await expect(page.getByTestId('support-grid').getByRole('img').first()).toBeVisible({ timeout: 30_000 });
}

// Playwright's trace recording runs on the page's own main thread: not measured here
test.use({ trace: 'off' });

test('sinusoids, auto: no main-thread task over 50 ms in 30 s of training', async ({ page }) => {
  await watchTraining(page, './', /wasm/, 300, 30_000);
});

test('sinusoids on tfjs wasm: no main-thread task over 50 ms in 30 s of training', async ({ page }) => {
  await watchTraining(page, './?backend=wasm', /wasm/, 100, 30_000);
});

test('sinusoids on tfjs cpu: no main-thread task over 50 ms in 30 s of training', async ({ page }) => {
  await watchTraining(page, './?backend=cpu', /cpu/, 30, 30_000);
});

test('the glyph lab, auto: no main-thread task over 50 ms in 30 s of training', async ({ page }) => {
  // watched once the lab has opened: the watch is of training, not of start-up
  await watchTraining(page, './?task=glyphs', /wasm|cpu/, 1, 30_000, glyphLabOpened);
});
