import { readFileSync, writeFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { collectErrors, readStep, readout, status, trainTo, waitReady, weightsNow } from './helpers';
import { openTrained, savedStep } from './savedRuns';

type Handle = { maml: { store: { getState(): { snapshot: { step: number; theta: Float32Array } | null } } } };

/** θ as the page holds it (its latest snapshot from the worker), at the step shown. */
async function thetaAt(page: Page, step: number): Promise<number[]> {
  await expect
    .poll(() => page.evaluate(() => (window as unknown as Handle).maml.store.getState().snapshot?.step ?? -1))
    .toBe(step);
  return page.evaluate(() =>
    Array.from((window as unknown as Handle).maml.store.getState().snapshot?.theta ?? []),
  );
}

// a forced backend trains on one engine in every page, so runs can be compared number for number
const EXPERIMENT = './?k=5&batch=10&seed=21&backend=wasm';

test('a reload continues the autosaved run exactly where it stopped; Start fresh goes back to step 0', async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  const errors = collectErrors(page);
  await page.goto(EXPERIMENT);
  await waitReady(page, /wasm/);
  const n = await trainTo(page, 40);
  // saved on pause, at the step it paused at
  await expect.poll(() => savedStep(page), { timeout: 20_000 }).toBe(n);
  const loss = await readout(page, 'loss').textContent();

  await page.reload();
  await expect(page.getByText(`Resumed the run from meta-step ${n.toLocaleString('en-US')}`)).toBeVisible({
    timeout: 30_000,
  });
  await expect(status(page)).toContainText(`step ${n} `);
  await expect(status(page)).toContainText('paused');
  await expect(readout(page, 'loss')).toHaveText(loss ?? '');
  // the curve came back with it
  const d = await page.locator('path.smoothed-loss').first().getAttribute('d');
  expect(d?.length ?? 0).toBeGreaterThan(50);

  // it continues bit-identically to a run that never stopped: one step, against a replay to n + 1
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(status(page)).toContainText(`step ${n + 1} `);
  const resumed = await thetaAt(page, n + 1);
  // (in a profile of its own: its replay is a run too, and saves itself)
  const profile = await browser.newContext();
  const straight = await profile.newPage();
  await straight.goto(`${EXPERIMENT}&step=${n + 1}`);
  await expect(status(straight)).toContainText(`step ${n + 1} `, { timeout: 60_000 });
  await expect(status(straight)).toContainText('paused');
  expect(await thetaAt(straight, n + 1)).toEqual(resumed);
  await profile.close();

  // Start fresh: back to the seed's θ at step 0, and the saved run is gone
  await page.reload();
  await expect(status(page)).toContainText(`step ${n + 1} `, { timeout: 30_000 });
  await page.getByRole('button', { name: 'Start fresh' }).click();
  await expect(status(page)).toContainText('step 0 ');
  await page.reload();
  await waitReady(page, /wasm/);
  await page.waitForTimeout(1000);
  expect(await readStep(page)).toBe(0);
  expect(errors).toEqual([]);
});

test('a run file downloads, imports into another browser profile by the file picker, and a broken file is refused', async ({
  page,
  browser,
}, info) => {
  test.setTimeout(120_000);
  const errors = collectErrors(page);
  await page.goto(EXPERIMENT);
  await waitReady(page, /wasm/);
  const n = await trainTo(page, 25);
  const theta = await thetaAt(page, n);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download run file' }).click();
  const file = info.outputPath('run.json');
  await (await download).saveAs(file);
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { format: string; step: number; config: string };
  expect([doc.format, doc.step]).toEqual(['maml-playground-run', n]);
  expect(doc.config).toContain('seed=21');

  // another profile (nothing saved there) opens the default experiment and imports the file
  const other = await browser.newContext();
  const fresh = await other.newPage();
  const freshErrors = collectErrors(fresh);
  await fresh.goto('./?backend=wasm');
  await waitReady(fresh, /wasm/);
  const broken = info.outputPath('broken.json');
  writeFileSync(broken, readFileSync(file, 'utf8').replace('"theta":"', '"theta":"!!'));
  await fresh.getByLabel('Import run file').setInputFiles(broken);
  await expect(fresh.getByText(/Could not open the run file broken\.json: .*θ/)).toBeVisible();
  expect(await readStep(fresh)).toBe(0);
  await fresh.getByLabel('Import run file').setInputFiles(file);
  await expect(
    fresh.getByText(`Resumed the run file run.json from meta-step ${n.toLocaleString('en-US')}`),
  ).toBeVisible();
  await expect(status(fresh)).toContainText(`step ${n} `);
  // its settings come with it (seed 21, K = 5), and so does θ, to the bit
  await expect.poll(() => new URL(fresh.url()).searchParams.get('seed')).toBe('21');
  expect(await thetaAt(fresh, n)).toEqual(theta);
  await other.close();
  expect([...errors, ...freshErrors]).toEqual([]);
});

test('two tabs on the same saved run: the second one saves its continuation as a copy, not over the first', async ({
  context,
}) => {
  test.setTimeout(120_000);
  const first = await context.newPage();
  const errors = collectErrors(first);
  const n = await openTrained(first, EXPERIMENT, 20);
  // the second tab opens the same experiment while the first still holds its run
  const second = await context.newPage();
  await second.goto(EXPERIMENT);
  await expect(second.getByText('This run is also open in another tab')).toBeVisible({ timeout: 30_000 });
  await expect(status(second)).toContainText(`step ${n} `);
  await second.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => savedStep(second), { timeout: 20_000 }).toBe(n + 1);
  // two records now: the first tab's at n, untouched, and the copy at n + 1
  const steps = await second.evaluate(
    () =>
      new Promise<number[]>((resolve, reject) => {
        const req = indexedDB.open('maml-playground');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const all = req.result.transaction('runs').objectStore('runs').getAll();
          all.onsuccess = () =>
            resolve((all.result as { step: number }[]).map((r) => r.step).sort((a, b) => a - b));
        };
      }),
  );
  expect(steps).toEqual([n, n + 1]);
  expect(errors).toEqual([]);
});

test('a crashed worker continues exactly from the autosave when it is as recent as θ the page holds', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const n = await openTrained(page, EXPERIMENT, 20);
  await thetaAt(page, n);
  const held = await weightsNow(page);
  expect(held.step).toBe(n);
  await page.evaluate(() => (window as unknown as { maml: { crashWorker(): void } }).maml.crashWorker());
  const notice = page.getByRole('alert').filter({ hasText: 'The training worker failed on wasm' });
  await expect(notice).toContainText(`continuing exactly from the autosave at step ${n}`);
  await expect(status(page)).toContainText(`step ${n} · cpu`, { timeout: 60_000 });
  // the restarted worker holds the autosaved θ and baseline, to the bit
  expect(await weightsNow(page)).toEqual(held);
  // the curve up to n is kept, and training goes on from there
  await expect(page.locator('path.smoothed-loss')).toHaveCount(1);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(status(page)).toContainText(`step ${n + 1} `, { timeout: 30_000 });
});
