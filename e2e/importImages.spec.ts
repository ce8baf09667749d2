import { expect, test } from '@playwright/test';
import { syntheticFiles, zipOf } from '../test/syntheticImages';
import { collectErrors, copyLink, waitReady, waitStepAtLeast } from './helpers';

/** A small archive in Omniglot's layout made here: 4 alphabets × 5 characters × 6 images of 35×35. */
function omniglotLike(): Buffer {
  return Buffer.from(zipOf(syntheticFiles({ alphabets: 4, characters: 5, images: 6, side: 35 })));
}

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

  await page.getByRole('button', { name: 'Train on these classes' }).click();
  await expect(page.locator('.import-trained')).toHaveText(
    'Training on omniglot.zip: 20 classes, 120 images.',
  );
  await expect(page.locator('.class-name').first()).toContainText('Alphabet_', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Play' }).click();
  await waitStepAtLeast(page, 3, 120_000);
  await page.getByRole('button', { name: 'Pause' }).click();
  const link = await copyLink(page);
  expect(new URL(link).searchParams.get('data')).toMatch(/^[0-9a-f]{16}$/);
  // a crashed training worker: the one that replaces it trains on the same classes, not the example
  await page.evaluate(() => (window as unknown as { maml: { crashWorker(): void } }).maml.crashWorker());
  await expect(page.getByRole('alert').filter({ hasText: 'The training worker failed' })).toBeVisible();
  await waitReady(page);
  // the replacement worker read the archive itself: its notice beside the first worker's
  await expect(page.getByText(/omniglot\.zip: imported 20 classes/)).toHaveCount(2, { timeout: 60_000 });
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
