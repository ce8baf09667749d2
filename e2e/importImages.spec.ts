import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { syntheticFiles, zipOf } from '../test/syntheticImages';
import { collectErrors, copyLink, waitReady, waitStepAtLeast } from './helpers';

/** A small archive in Omniglot's layout made here: 4 alphabets × 5 characters × 6 images of 35×35. */
function omniglotLike(): Buffer {
  return Buffer.from(zipOf(syntheticFiles({ alphabets: 4, characters: 5, images: 6, side: 35 })));
}

/** The image imports' own workers alive in the page. */
const workersOfImports = (page: Page) => page.workers().filter((w) => /imageImport/.test(w.url())).length;

test('import images: a zip decoded in a worker, its conversion and split shown, trained on, kept over a reload', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const errors = collectErrors(page);
  await page.goto('./?task=imageclasses&k=1');
  await waitReady(page);
  await expect(page.getByLabel('Task family')).toHaveValue('imageclasses');
  await expect(page.locator('.import-note')).toContainText('the example');
  const input = page.getByLabel('import image classes from a zip file');

  // faults of the core importer are one line each, and change nothing
  await input.setInputFiles({ name: 'curves.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b\n1,2\n') });
  await expect(page.locator('.import-error')).toHaveText(
    'curves.csv: not a zip archive (give a .zip or a folder of class folders)',
  );
  const cut = omniglotLike().subarray(0, 3000);
  await input.setInputFiles({ name: 'cut.zip', mimeType: 'application/zip', buffer: cut });
  await expect(page.locator('.import-error')).toContainText('cut.zip: the zip has no end record');
  await expect(page.locator('.import-note')).toBeVisible();
  // the import's own worker: ended with a fault, alive holding the decoded classes while they are
  // previewed, ended again once it has sent them to the training worker
  const importWorkers = () => workersOfImports(page);
  await expect.poll(importWorkers).toBe(0);

  await input.setInputFiles({ name: 'omniglot.zip', mimeType: 'application/zip', buffer: omniglotLike() });
  const summary = page.locator('.import-summary');
  await expect(summary).toContainText('imported 20 classes, 120 images');
  await expect(summary).toContainText('split (omniglot): 15 classes for meta-training, 5 held out');
  await expect(summary.locator('.import-sample')).toHaveCount(6);
  await expect(summary.locator('.import-sample img')).toHaveCount(6);
  await expect(summary.locator('.import-split')).toContainText(
    /meta-training: 15 classes, 90 images in \d groups/,
  );
  await expect(summary.locator('.import-split')).toContainText(/held out: 5 classes, 30 images/);
  expect(importWorkers()).toBe(1);

  await page.getByRole('button', { name: 'Train on these classes' }).click();
  await expect(page.locator('.import-trained')).toHaveText(
    'Training on omniglot.zip: 20 classes, 120 images.',
  );
  await expect(page.locator('.class-name').first()).toContainText('Alphabet_', { timeout: 60_000 });
  await expect.poll(importWorkers).toBe(0);
  await page.getByRole('button', { name: 'Play' }).click();
  await waitStepAtLeast(page, 3, 120_000);
  await page.getByRole('button', { name: 'Pause' }).click();
  const link = await copyLink(page);
  expect(new URL(link).searchParams.get('data')).toMatch(/^[0-9a-f]{16}$/);
  // a crashed training worker: the one that replaces it trains on the same classes, not the example
  const imported = page.getByText(/omniglot\.zip: imported 20 classes/);
  // (the first worker's notice fades first, so the one that comes next is the replacement's)
  await expect(imported).toHaveCount(0, { timeout: 30_000 });
  await page.evaluate(() => (window as unknown as { maml: { crashWorker(): void } }).maml.crashWorker());
  await expect(page.getByRole('alert').filter({ hasText: 'The training worker failed' })).toBeVisible();
  await waitReady(page);
  // the replacement worker read the archive itself (the decoded set went to the first worker)
  await expect(imported).toHaveCount(1, { timeout: 60_000 });
  await expect(page.locator('.class-name').first()).toContainText('Alphabet_', { timeout: 60_000 });

  // a reload trains on the kept archive, not on the example
  await page.reload();
  await waitReady(page);
  await expect(page.locator('.import-trained')).toContainText('omniglot.zip: 20 classes');
  await expect(page.locator('.class-name').first()).toContainText('Alphabet_', { timeout: 60_000 });

  // the link opened where the data is not kept asks for it, and refuses other data
  await page.evaluate(() => indexedDB.deleteDatabase('maml-task-files'));
  await page.goto(link);
  await waitReady(page);
  await expect(page.locator('.import-ask')).toBeVisible();
  const other = Buffer.from(zipOf(syntheticFiles({ alphabets: 4, characters: 5, images: 7, side: 35 })));
  await input.setInputFiles({ name: 'other.zip', mimeType: 'application/zip', buffer: other });
  await expect(page.locator('.import-error')).toContainText('not the same data');
  expect(errors).toEqual([]);
});

test('storage full: an image import trains on, the page says once that the data is not kept, and the download still embeds it', async ({
  page,
}, info) => {
  test.setTimeout(240_000);
  const errors = collectErrors(page);
  // every write to the kept task files fails the way a full disk does
  await page.addInitScript(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (
      this: IDBObjectStore,
      ...args: Parameters<IDBObjectStore['put']>
    ) {
      if (this.transaction.db.name === 'maml-task-files')
        throw new DOMException('the quota is used up', 'QuotaExceededError');
      return put.apply(this, args);
    };
  });
  await page.goto('./?task=imageclasses&k=1');
  await waitReady(page);
  const input = page.getByLabel('import image classes from a zip file');
  for (const name of ['first.zip', 'second.zip']) {
    await input.setInputFiles({ name, mimeType: 'application/zip', buffer: omniglotLike() });
    await page.getByRole('button', { name: 'Train on these classes' }).click();
    await expect(page.locator('.import-trained')).toContainText(`Training on ${name}`);
  }
  await expect(page.locator('.class-name').first()).toContainText('Alphabet_', { timeout: 60_000 });
  await expect.poll(() => workersOfImports(page)).toBe(0);
  await page.getByRole('button', { name: 'Play' }).click();
  await waitStepAtLeast(page, 3, 120_000);
  await page.getByRole('button', { name: 'Pause' }).click();
  const notKept = await page.evaluate(
    () =>
      (window as unknown as { maml: { store: { getState(): { notices: { title: string }[] } } } }).maml.store
        .getState()
        .notices.filter((n) => n.title === 'The imported data is not kept in this browser').length,
  );
  expect(notKept).toBe(1);

  await page.getByLabel('with the imported data').check();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download run file' }).click();
  const path = info.outputPath('whole.json');
  await (await download).saveAs(path);
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { step: number; data: { name: string } };
  expect(doc.data.name).toBe('second.zip');
  expect(doc.step).toBeGreaterThanOrEqual(3);
  expect(errors).toEqual([]);
});
