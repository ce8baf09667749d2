import { expect, test, type Page } from '@playwright/test';
import { collectErrors, readStep, status, waitReady } from './helpers';
import { entries, openTrained, renameNewest, putRecord, records, shelf, trainSaved } from './savedRuns';

// a forced backend and a small meta-batch: short runs on a loaded machine
const EXPERIMENT = './?k=5&batch=10&seed=41&backend=wasm';

type Curve = { name: string; steps: number[] };

/** Write a record whose run file is cut short, as the newest run of the experiment `key`. */
function writeDamaged(page: Page, key: string): Promise<void> {
  return putRecord(page, {
    id: 'damaged-record',
    key,
    task: 'sinusoid',
    algo: 'fomaml',
    step: 999,
    savedAt: '2100-01-01T00:00:00.000Z',
    text: '{"format":"maml-playground-run","version":1,"appVersion":"0.1.0","createdAt":"20',
  });
}

test('the runs shelf lists saved runs, renames, compares, deletes, and survives a damaged record', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors = collectErrors(page);
  const n = await openTrained(page, EXPERIMENT, 30);
  // the shelf follows autosave without a reload
  await expect(entries(page)).toHaveCount(1);
  await expect(entries(page).first()).toContainText('MAML · sinusoid · α 0.01');
  await expect(entries(page).first()).toContainText(`step ${n.toLocaleString('en-US')} `);
  // the evaluation of the final θ (it arrives after the pause) is in the saved file
  await expect(entries(page).first()).toContainText(/best MSE [\d.]+ at step/);
  const evalSteps = async () => {
    const file = JSON.parse((await records(page))[0]?.text ?? '{}') as { curves?: Curve[] };
    return file.curves?.find((c) => c.name === 'eval:maml')?.steps.at(-1);
  };
  await expect.poll(evalSteps, { timeout: 30_000 }).toBe(n);

  // after a reload: still there, and renamed it keeps its name across reloads
  await page.reload();
  await expect(page.getByText(`Resumed the run from meta-step ${n.toLocaleString('en-US')}`)).toBeVisible({
    timeout: 30_000,
  });
  await expect(entries(page)).toHaveCount(1);
  await expect(entries(page).first()).toContainText('on the page');
  await renameNewest(page, 'first run');
  await expect(entries(page).first().locator('.shelf-name')).toHaveText('first run');
  await expect.poll(async () => (await records(page))[0]?.name).toBe('first run');
  await page.reload();
  // (settings changed before the saved run is open would be replaced by the run's)
  await expect(page.getByText(`Resumed the run from meta-step ${n.toLocaleString('en-US')}`)).toBeVisible({
    timeout: 30_000,
  });
  await expect(entries(page).first().locator('.shelf-name')).toHaveText('first run');
  await waitReady(page, /wasm/);

  // a second run with another algorithm: pick it, reset to start a new run, train
  await page.getByLabel('algorithm').selectOption('fomaml');
  await page.getByRole('button', { name: 'Reset' }).click();
  await expect.poll(() => readStep(page), { timeout: 30_000 }).toBe(0);
  await trainSaved(page, 30);
  await expect(entries(page)).toHaveCount(2);
  const second = entries(page).filter({ hasText: 'FOMAML · sinusoid' });
  const first = entries(page).filter({ hasText: 'first run' });
  await expect(second).toHaveCount(1);
  // the newest first
  await expect(entries(page).first()).toContainText('FOMAML');
  // the record keeps the first run's name: a save of the page's run did not overwrite it
  expect((await records(page)).map((r) => r.name ?? null).sort()).toEqual(['first run', null]);

  // compare both: two dashed lines, each named in the learning curve's legend
  await first.getByRole('checkbox').check();
  await second.getByRole('checkbox').check();
  const learning = page.getByRole('region', { name: 'Learning curve' });
  const legend = learning.getByTestId('compared-legend');
  await expect(legend).toHaveCount(2);
  await expect(legend.nth(0)).toContainText('first run (meta-loss)');
  await expect(legend.nth(1)).toContainText('FOMAML · sinusoid · α 0.01 (meta-loss)');
  await expect(learning.locator('path.compared-loss')).toHaveCount(2);
  await expect(page.locator('path.compared-adapt')).toHaveCount(2);
  const d = await learning.locator('path.compared-loss').first().getAttribute('d');
  expect(d?.length ?? 0).toBeGreaterThan(50);
  await shelf(page).scrollIntoViewIfNeeded();
  await page.screenshot({ path: '/tmp/shelf-compare.png', fullPage: true });
  await page.locator('.chart-row').screenshot({ path: '/tmp/shelf-charts.png' });

  // delete the first run (undo is offered): its line and legend entry go with it
  const before = await records(page);
  await first.getByRole('button', { name: 'Delete' }).click();
  await expect(entries(page)).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Undo' })).toBeVisible();
  await expect(legend).toHaveCount(1);
  await expect(learning.locator('path.compared-loss')).toHaveCount(1);
  // Undo puts the whole record back, run file included (the shelf itself holds records without
  // their files), then it is deleted again
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(entries(page)).toHaveCount(2);
  expect((await records(page)).map((r) => [r.id, r.text.length]).sort()).toEqual(
    before.map((r) => [r.id, r.text.length]).sort(),
  );
  await first.getByRole('button', { name: 'Delete' }).click();
  await expect(entries(page)).toHaveCount(1);
  await expect(page.getByRole('button', { name: 'Undo' })).toBeVisible();

  // a record whose run file cannot be read: the page starts fresh and the shelf lists it as damaged
  const key = (await records(page))[0]?.key ?? '';
  expect(key).toContain('algo=fomaml');
  await writeDamaged(page, key);
  await page.reload();
  await expect(
    page.getByText('The run saved in this browser for these settings could not be read'),
  ).toBeVisible({
    timeout: 30_000,
  });
  await waitReady(page, /wasm/);
  await expect(status(page)).toContainText('step 0 ');
  const damaged = entries(page).filter({ hasText: 'Damaged saved run' });
  await expect(damaged).toHaveCount(1);
  await expect(damaged).toContainText('not valid JSON');
  await expect(entries(page)).toHaveCount(2);
  await page.screenshot({ path: '/tmp/shelf-damaged.png', fullPage: true });
  await damaged.getByRole('button', { name: 'Delete' }).click();
  await expect(entries(page)).toHaveCount(1);
  expect((await records(page)).map((r) => r.id)).not.toContain('damaged-record');
  expect(errors).toEqual([]);
});
