import { expect, test } from '@playwright/test';
import { collectErrors, status, waitReady } from './helpers';
import { entries, openTrained, renameNewest, putRecord, records, savedStep, trainSaved } from './savedRuns';

// forced backend, small meta-batch; the two tabs train experiments of their own (seeds)
const A_RUN = './?k=5&batch=10&seed=51&backend=wasm';
const B_RUN = './?k=5&batch=10&seed=52&backend=wasm';

test("the runs shelf follows the other tabs' saves, renames and deletes without a reload", async ({
  context,
}) => {
  test.setTimeout(300_000);
  const a = await context.newPage();
  const errors = collectErrors(a);
  const n = await openTrained(a, A_RUN, 15);

  const b = await context.newPage();
  errors.push(...collectErrors(b));
  await b.goto(B_RUN);
  await waitReady(b, /wasm/);
  await expect(entries(b)).toHaveCount(1);
  await expect(entries(b).first()).toContainText(`step ${n.toLocaleString('en-US')} `);

  // a save in A: B's entry follows
  await a.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => savedStep(a), { timeout: 30_000 }).toBe(n + 1);
  await expect(entries(b).first()).toContainText(`step ${(n + 1).toLocaleString('en-US')} `);

  // a rename in A
  await renameNewest(a, 'from tab A');
  await expect(entries(b).first().locator('.shelf-name')).toHaveText('from tab A');

  // B's own run appears in A, newest first
  const m = await trainSaved(b, 10);
  await expect(entries(a)).toHaveCount(2);
  await expect(entries(a).first()).toContainText(`step ${m.toLocaleString('en-US')} `);
  const idOf = async (seed: string) => (await records(a)).find((r) => r.key.includes(seed))?.id ?? '';
  const aRun = `[data-run="${await idOf('seed=51')}"]`;
  const bRun = `[data-run="${await idOf('seed=52')}"]`;

  // a third tab opens A's experiment while A still holds its run: it saves a copy, named so, and
  // A sees the copy beside its own record, which keeps A's step
  const c = await context.newPage();
  errors.push(...collectErrors(c));
  await c.goto(A_RUN);
  await expect(c.getByText('This run is also open in another tab')).toBeVisible({ timeout: 30_000 });
  await expect(c.getByText('“from tab A (copy)”')).toBeVisible();
  await c.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => savedStep(c), { timeout: 30_000 }).toBe(n + 2);
  const copy = entries(a).filter({ hasText: 'from tab A (copy)' });
  await expect(copy).toContainText(`step ${(n + 2).toLocaleString('en-US')} `);
  await expect(entries(a)).toHaveCount(3);
  await expect(a.locator(aRun)).toContainText(`step ${(n + 1).toLocaleString('en-US')} `);
  await expect(a.locator(aRun).locator('.shelf-name')).toHaveText('from tab A');
  await c.close();

  // B still trains its run: A marks it, and does not delete it (B's next save would write it back)
  await expect(a.locator(bRun).locator('.shelf-badge')).toHaveText('open in another tab');
  await expect(a.locator(aRun).locator('.shelf-badge')).toHaveText('on the page');
  await a.locator(bRun).getByRole('button', { name: 'Delete' }).click();
  await expect(a.getByText('was not deleted: another tab is training it')).toBeVisible();
  await expect(a.locator(bRun)).toHaveCount(1);
  expect((await records(a)).some((r) => r.key.includes('seed=52'))).toBe(true);

  // B leaves its run (Reset), A deletes B's record: it leaves B's shelf too
  await b.getByRole('button', { name: 'Reset' }).click();
  await expect(status(b)).toContainText('step 0 ');
  await expect(b.locator(bRun)).toHaveCount(1);
  await expect(a.locator(bRun).locator('.shelf-badge')).toHaveCount(0, { timeout: 10_000 });
  await a.locator(bRun).getByRole('button', { name: 'Delete' }).click();
  await expect(entries(b)).toHaveCount(2);
  await expect(b.locator(bRun)).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a saved run the training worker refuses is marked damaged, with why, and the page trains from scratch', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const errors = collectErrors(page);
  const n = await openTrained(page, A_RUN, 10);
  const good = (await records(page))[0];
  if (!good) throw new Error('no saved run');
  // the newest run of the experiment: its file reads (the page's checks), but θ has 3 values
  const doc = JSON.parse(good.text) as { state: { theta: string }; name?: string };
  doc.state.theta = 'AAAAAAAAAAAAAAAA';
  doc.name = 'short θ';
  const text = JSON.stringify(doc);
  await putRecord(page, {
    ...good,
    id: 'refused-record',
    name: 'short θ',
    savedAt: '2100-01-01T00:00:00.000Z',
    text,
  });

  await page.reload();
  await expect(page.getByText('Could not open the run')).toBeVisible({ timeout: 30_000 });
  await waitReady(page, /wasm/);
  await expect(status(page)).toContainText('step 0 ');
  const damaged = entries(page).filter({ hasText: 'Damaged saved run “short θ”' });
  await expect(damaged).toHaveCount(1);
  await expect(damaged).toContainText('the training worker refused it');
  await expect(damaged).toContainText('θ has 3 numbers');
  const marked = async () => (await records(page)).find((r) => r.id === 'refused-record');
  await expect.poll(async () => (await marked())?.damaged ?? '').toMatch(/^the training worker refused it: /);

  // it trains from scratch into a record of its own; the refused record is left as it was
  await trainSaved(page, 5);
  expect((await records(page)).length).toBe(3);
  expect((await marked())?.text).toBe(text);

  // after a reload it is still damaged, with why; the other runs still open
  await page.reload();
  await expect(
    page.getByText('The run saved in this browser for these settings could not be read'),
  ).toBeVisible({ timeout: 30_000 });
  await waitReady(page, /wasm/);
  await expect(status(page)).toContainText('step 0 ');
  await expect(damaged).toContainText('the training worker refused it');
  await page.locator(`[data-run="${good.id}"]`).getByRole('button', { name: 'Open', exact: true }).click();
  await expect(page.getByText(`from meta-step ${n.toLocaleString('en-US')}`)).toBeVisible({
    timeout: 30_000,
  });
  await expect(status(page)).toContainText(`step ${n} `);
  expect(errors).toEqual([]);
});
