import { createHash } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { collectErrors, copyLink, waitReady, waitStepAtLeast } from './helpers';

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

test('a share link of a run on an imported file carries its content hash: asks for the file elsewhere, refuses another', async ({
  page,
}) => {
  const errors = collectErrors(page);
  const file = { name: 'curves.csv', mimeType: 'text/csv', buffer: Buffer.from(curves()) };
  const hash = createHash('sha256').update(file.buffer).digest('hex').slice(0, 16);
  const input = page.getByLabel('import tasks from a CSV or TSV file');

  // a link naming other data: the panel asks for it, and this file is refused with one line
  await page.goto('./?task=sheet&k=4&data=0123456789abcdef');
  await waitReady(page);
  await expect(page.locator('.import-ask')).toContainText('content hash 0123456789abcdef');
  await input.setInputFiles(file);
  await expect(page.locator('.import-error')).toContainText(`hash begins ${hash}`);
  await expect(page.locator('.import-summary')).toHaveCount(0);

  // a link naming this file: imported, trained on, and the run's own link names it
  await page.goto(`./?task=sheet&k=4&data=${hash}`);
  await waitReady(page);
  await expect(page.locator('.import-ask')).toBeVisible();
  await input.setInputFiles(file);
  await page.getByRole('button', { name: 'Train on these tasks' }).click();
  await expect(page.locator('.import-ask')).toHaveCount(0);
  await expect(page.locator('.task-desc')).toContainText(/task "p\d"/);
  const link = await copyLink(page);
  expect(new URL(link).searchParams.get('data')).toBe(hash);

  // opened again in this browser, which keeps the file: no question, the file's tasks
  await page.goto(link);
  await waitReady(page);
  await expect(page.locator('.import-note')).toHaveCount(0);
  await expect(page.locator('.import-ask')).toHaveCount(0);
  await expect(page.locator('.task-desc')).toContainText(/task "p\d"/);

  // a hostile value is a line of the link's notice
  await page.goto('./?task=sheet&k=4&data=<b>zz</b>');
  await waitReady(page);
  await expect(page.getByRole('alert')).toContainText('data=<b>zz</b> is not a content hash');
  expect(errors).toEqual([]);
});
