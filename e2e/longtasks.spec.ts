import { expect, test } from '@playwright/test';
import { longestTaskDuring, status, waitReady, waitStepAtLeast } from './helpers';

// Playwright's trace recording (screencast, snapshots) runs on the page's own main thread: a test
// that measures the page's long tasks must not measure the recorder's.
test.use({ trace: 'off' });

test('the main thread has no long tasks over 50 ms while training', async ({ page }) => {
  await page.goto('./');
  await waitReady(page, /wasm/);
  await page.getByRole('button', { name: 'Play' }).click();
  await waitStepAtLeast(page, 10);
  const longest = await longestTaskDuring(page, 5000);
  // the measured value goes into the report, so a pass also says how much room was left
  test.info().annotations.push({ type: 'longest main-thread task (ms)', description: String(longest) });
  console.log(`longest main-thread task while training: ${longest} ms`);
  const step = Number(/step (\d+)/.exec((await status(page).textContent()) ?? '')?.[1]);
  expect(step).toBeGreaterThan(30);
  expect(longest).toBeLessThanOrEqual(50);
});
