import { expect, test, type Page } from '@playwright/test';
import { collectErrors, readStep, status, waitReady } from './helpers';

const walk = (page: Page) => page.getByTestId('walk');
const announcement = (page: Page) => page.getByTestId('walk-announcement');
const currentLine = (page: Page) => walk(page).locator('.walk-algorithm li[aria-current="step"]');

/** The glyph page on wasm, settled: the worker ready, the shipped θ looked for (and loaded). */
async function openGlyphs(page: Page, query = ''): Promise<void> {
  await page.goto(`./?task=glyphs&backend=wasm${query}`);
  await waitReady(page, /wasm/);
  await expect(page.getByTestId('shipped-status')).not.toContainText('looking', { timeout: 20_000 });
  await expect(page.getByRole('button', { name: 'Step', exact: true })).toBeEnabled({ timeout: 60_000 });
}

test('glyphs, first vs second order: the page reads how far the Hessian term turns the conv net’s meta-gradient', async ({
  page,
}) => {
  test.setTimeout(150_000);
  const errors = collectErrors(page);
  await openGlyphs(page);
  const reading = page.getByTestId('order-reading');
  await reading.scrollIntoViewIfNeeded();
  // measured at the θ the page settled on (after its evaluation), on a small fixed batch of
  // held-out glyph tasks
  await expect(reading).toContainText(
    /At meta-step \d+: the Hessian term turns the meta-gradient by [\d.]+° and scales it by \d+\.\d\d; the Reptile direction is /,
    { timeout: 100_000 },
  );
  await expect(page.getByText(/on 6 fixed held-out tasks/)).toBeVisible();
  await page.screenshot({ path: 'test-results/glyph-orders.png', fullPage: false });
  expect(errors).toEqual([]);
});

test('glyphs, walk through one meta-step: images and predictions per inner step, the arrows, and the update is one step', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const errors = collectErrors(page);
  // 3-way tasks, 2 query images per class, a small meta-batch: quick glyph steps
  await openGlyphs(page, '&ways=3&query=2&batch=4&inner=2');
  const start = await readStep(page);

  await page.keyboard.press('w');
  await expect(walk(page)).toHaveAttribute('data-phase', '1');
  await expect(announcement(page)).toContainText(
    `Phase 1 of 5, Sample tasks: 4 tasks drawn for meta-step ${start + 1}; the first 4 are shown.`,
    { timeout: 90_000 },
  );
  await expect(currentLine(page)).toContainText('N new characters (N = 3) with K = 1 support and Q = 2');
  const tasks = walk(page).locator('.walk-task');
  await expect(tasks).toHaveCount(4);
  // per task: 3 support images and 6 query images, each query with one prediction (at θ), ✓ or ✗
  await expect(tasks.first().locator('.walk-glyph-support canvas')).toHaveCount(3);
  await expect(tasks.first().locator('.walk-glyph-query canvas')).toHaveCount(6);
  await expect(tasks.first().locator('.walk-glyph-pred')).toHaveCount(6);
  await expect(tasks.first().locator('.walk-glyph-pred').first()).toHaveText(/^[✓✗][0-2]$/);

  await page.keyboard.press('ArrowRight');
  await expect(announcement(page)).toContainText(
    /Phase 2 of 5, Inner loop: 2 inner SGD steps per task; mean support cross-entropy [\d.e+-]+ before, [\d.e+-]+ after\./,
  );
  // one prediction per inner step (θ, after 1, after 2) for every query image
  await expect(tasks.first().locator('.walk-glyph-pred')).toHaveCount(18);
  await expect(walk(page).locator('[data-walk-path]')).toHaveCount(4);

  await page.keyboard.press('ArrowRight');
  await expect(announcement(page)).toContainText(
    /Phase 3 of 5, Query loss: mean query cross-entropy at the adapted parameters, the meta-loss, is [\d.e+-]+\./,
  );
  await expect(page.getByTestId('walk-numbers')).toContainText('meta-loss (mean query cross-entropy)');
  await expect(page.getByTestId('walk-numbers')).toContainText(
    /query images right \(shown tasks\)\s*\d+ of 24/,
  );

  await page.keyboard.press('ArrowRight');
  await expect(announcement(page)).toContainText(
    /Phase 4 of 5, Meta-gradient: \|g\| = [\d.e+-]+; the second-order correction turns it by [\d.e+-]+ degrees/,
  );
  await expect(walk(page).locator('line.walk-arrow')).toHaveCount(3);
  await expect(walk(page).locator('.walk-arrow-keys li')).toHaveText([
    /−g \(what Adam receives\): \|·\| = /,
    /−g₁ first order: \|·\| = /,
    /second-order correction: \|·\| = /,
  ]);
  expect(await readStep(page)).toBe(start);
  await page.screenshot({ path: 'test-results/glyph-walk-gradient.png', fullPage: false });

  await walk(page).getByRole('button', { name: 'Apply the update →' }).click();
  await expect(announcement(page)).toContainText(
    new RegExp(`Phase 5 of 5, Update θ: θ moved by [\\d.e+-]+; the run is now at step ${start + 1}\\.`),
    { timeout: 60_000 },
  );
  await expect(status(page)).toContainText(`step ${start + 1} `);
  await expect(walk(page).locator('circle.walk-theta-after')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(walk(page)).toHaveCount(0);
  expect(await readStep(page)).toBe(start + 1);
  expect(errors).toEqual([]);
});
