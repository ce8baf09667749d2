import { expect, test } from '@playwright/test';
import { collectErrors, waitReady, waitStepAtLeast } from './helpers';

/** Ten curves of 12 points, one malformed row (line 5) and one with NaN (line 9). */
function curves(): string {
  const rows = ['patient,dose,response'];
  for (let p = 0; p < 10; p++) {
    for (let i = 0; i < 12; i++) rows.push(`p${p},${i},${(p * 0.3 + Math.sin(i / 2 + p)).toFixed(3)}`);
  }
  rows.splice(4, 0, 'p1,2');
  rows.splice(8, 0, 'p1,NaN,1');
  return `${rows.join('\n')}\n`;
}

test('import tasks: a CSV read in a worker, previewed with its split and scaling, trained on, kept over a reload', async ({
  page,
}) => {
  const errors = collectErrors(page);
  await page.goto('./?task=sheet&k=4');
  await waitReady(page);
  await expect(page.getByLabel('Task family')).toHaveValue('sheet');
  // before an import: the example table's sensors
  await expect(page.locator('.task-desc')).toContainText(/task "S\d\d"/);
  await expect(page.locator('.import-note')).toBeVisible();

  await page.getByLabel('import tasks from a CSV or TSV file').setInputFiles({
    name: 'curves.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(curves()),
  });
  const summary = page.locator('.import-summary');
  await expect(summary).toContainText('120 rows in 10 tasks; columns task = patient, x = dose, y = response');
  await expect(summary).toContainText('8 meta-training, 2 held out');
  await expect(summary).toContainText('1 malformed row skipped (lines 5)');
  await expect(summary).toContainText('1 row with NaN or infinite values skipped (lines 9)');
  await expect(summary).toContainText(/standardised: x = \(x − 5\.5\d*\)/);
  await expect(summary.locator('svg circle')).toHaveCount(48);

  await page.getByRole('button', { name: 'Train on these tasks' }).click();
  await expect(page.locator('.import-note')).toHaveCount(0);
  await expect(page.locator('.task-desc')).toContainText(/task "p\d"/);
  await page.getByRole('button', { name: 'Play' }).click();
  await waitStepAtLeast(page, 20);
  await page.getByRole('button', { name: 'Pause' }).click();

  // a reload trains on the imported file again (kept in IndexedDB), not on the example
  await page.reload();
  await waitReady(page);
  await expect(page.locator('.import-note')).toHaveCount(0);
  await expect(page.locator('.task-desc')).toContainText(/task "p\d"/);
  expect(errors).toEqual([]);
});
