import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
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

test('a run download can embed the imported file: another profile opens it, checks it and trains on it', async ({
  page,
  browser,
}, info) => {
  test.setTimeout(150_000);
  const errors = collectErrors(page);
  const csv = Buffer.from(curves());
  const hash = createHash('sha256').update(csv).digest('hex');
  await page.goto('./?task=sheet&k=4');
  await waitReady(page);
  // trained on the example: nothing to embed, so no choice
  await expect(page.getByLabel('with the imported data')).toHaveCount(0);
  await page
    .getByLabel('import tasks from a CSV or TSV file')
    .setInputFiles({ name: 'curves.csv', mimeType: 'text/csv', buffer: csv });
  await page.getByRole('button', { name: 'Train on these tasks' }).click();
  await expect(page.locator('.task-desc')).toContainText(/task "p\d"/);
  await page.getByRole('button', { name: 'Play' }).click();
  await waitStepAtLeast(page, 10);
  await page.getByRole('button', { name: 'Pause' }).click();

  // the user's choice: without the box the file carries no data, with it the file's bytes
  const save = async (name: string) => {
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download run file' }).click();
    const path = info.outputPath(name);
    await (await download).saveAs(path);
    return path;
  };
  const plain = JSON.parse(readFileSync(await save('plain.json'), 'utf8')) as { data?: unknown };
  expect(plain.data).toBeUndefined();
  await page.getByLabel('with the imported data').check();
  const file = await save('whole.json');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as {
    step: number;
    data: { name: string; sha256: string };
  };
  expect(doc.data).toMatchObject({ name: 'curves.csv', sha256: hash });

  // another profile has only the example: the file brings its data, and the run goes on on it
  const other = await browser.newContext();
  const fresh = await other.newPage();
  const freshErrors = collectErrors(fresh);
  await fresh.goto('./?task=sheet&k=4');
  await waitReady(fresh);
  await expect(fresh.locator('.import-note')).toBeVisible();
  await fresh.getByLabel('Import run file').setInputFiles(file);
  await expect(fresh.getByText(/Resumed the run file whole\.json from meta-step/)).toBeVisible();
  await expect(fresh.locator('.import-note')).toHaveCount(0);
  await expect(fresh.locator('.task-desc')).toContainText(/task "p\d"/);
  const link = await copyLink(fresh);
  expect(new URL(link).searchParams.get('data')).toBe(hash.slice(0, 16));
  // kept there too: a reload trains on it
  await fresh.reload();
  await waitReady(fresh);
  await expect(fresh.locator('.task-desc')).toContainText(/task "p\d"/);

  // a file whose data was changed is refused, and nothing changes
  writeFileSync(file, readFileSync(file, 'utf8').replace(/"base64":"[^"]{8}/, '"base64":"AAAAAAAA'));
  await fresh.getByLabel('Import run file').setInputFiles(file);
  await expect(fresh.getByText(/Could not open the run file whole\.json: .*SHA-256/)).toBeVisible();
  await other.close();
  expect([...errors, ...freshErrors]).toEqual([]);
});

test('columns the reader chose from several: the user picks task, x and y, read again in the worker, trained on', async ({
  page,
}) => {
  const errors = collectErrors(page);
  const rows = ['who,when,a,b,c'];
  for (let t = 0; t < 8; t++)
    for (let i = 0; i < 10; i++) rows.push(`s${t},${i},${t + i},${-i},${(t * i) % 7}`);
  await page.goto('./?task=sheet&k=4');
  await waitReady(page);
  await page
    .getByLabel('import tasks from a CSV or TSV file')
    .setInputFiles({ name: 'open.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
  const summary = page.locator('.import-summary');
  await expect(summary).toContainText(
    'columns task = who, x = when, y = a (chosen from several: check them)',
  );
  await page.getByLabel('y column').selectOption('c');
  await expect(summary).toContainText('columns task = who, x = when, y = c');
  await expect(summary).not.toContainText('chosen from several');
  // the same column twice is said, and nothing is read
  await page.getByLabel('x column').selectOption('who');
  await expect(summary).toContainText('must be three different columns');
  await expect(summary).toContainText('columns task = who, x = when, y = c');
  await page.getByRole('button', { name: 'Train on these tasks' }).click();
  await expect(page.locator('.task-desc')).toContainText(/task "s\d"/);
  await expect(
    page.getByText('open.csv: 80 rows in 8 tasks; columns task = who, x = when, y = c'),
  ).toBeVisible();
  expect(errors).toEqual([]);
});
