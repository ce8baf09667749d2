import { expect, test } from '@playwright/test';
import { copyLink, linkWeights, readout, readStep, status, trainTo, waitReady } from './helpers';

test('a share link replays training to the same step, θ and loss; θ in the fragment loads instantly', async ({
  page,
  context,
}) => {
  test.setTimeout(180_000);
  await page.goto('./?k=5&batch=10&seed=7');
  await waitReady(page, /wasm/);
  const n = await trainTo(page, 60);
  const loss = await readout(page, 'loss').textContent();
  const evalText = await readout(page, 'eval').textContent();
  const adaptation = await page.locator('.numbers').textContent();
  expect(loss).toMatch(/^\d/);

  const link = await copyLink(page);
  const url = new URL(link);
  expect(url.searchParams.get('step')).toBe(String(n));
  expect(url.searchParams.get('k')).toBe('5');
  expect(url.searchParams.get('seed')).toBe('7');
  expect(url.hash.startsWith('#theta=')).toBe(true);
  await expect(page.getByTestId('share-summary')).toContainText(`meta-step ${n}`);
  const shared = await linkWeights(link);
  expect(shared.step).toBe(n);

  // 1. the replay path: no θ in the link, the recipient meta-trains deterministically to step n
  const replay = await context.newPage();
  await replay.goto(link.split('#')[0] as string);
  await expect(replay.locator('.replay progress')).toBeVisible();
  await expect(status(replay)).toContainText(`step ${n} `, { timeout: 60_000 });
  await expect(status(replay)).toContainText('paused');
  await expect(replay.getByRole('button', { name: 'Play' })).toBeVisible();
  await expect(readout(replay, 'eval')).toHaveText(evalText ?? '');
  await expect(readout(replay, 'loss')).toHaveText(loss ?? '');
  await expect(replay.locator('.numbers')).toHaveText(adaptation ?? '');
  // the address bar keeps the experiment but not the one-off step
  expect(new URL(replay.url()).searchParams.get('step')).toBeNull();
  await replay.waitForTimeout(500);
  expect(await readStep(replay)).toBe(n);
  // the replayed θ (and the pretrained baseline's) is the sharer's, to the bit
  expect(await linkWeights(await copyLink(replay))).toEqual(shared);
  await replay.close();

  // 2. the fragment path: θ arrives in the link, nothing is replayed
  const instant = await context.newPage();
  await instant.goto(link);
  await expect(status(instant)).toContainText(`step ${n} `);
  await expect(instant.locator('.replay progress')).toHaveCount(0);
  await expect(readout(instant, 'eval')).toHaveText(evalText ?? '');
  await expect(readout(instant, 'loss')).toHaveText(loss ?? '');
  await expect(instant.locator('.numbers')).toHaveText(adaptation ?? '');
  await expect(instant.getByText(`Loaded the trained θ from the link: meta-step ${n}`)).toBeVisible();
  // the worker holds the link's θ, to the bit
  expect(await linkWeights(await copyLink(instant))).toEqual(shared);
  // the shared loss history is drawn too
  const d = await instant.locator('path.smoothed-loss').first().getAttribute('d');
  expect(d?.length ?? 0).toBeGreaterThan(50);
  // and training continues from there
  await instant.getByRole('button', { name: 'Play' }).click();
  await expect.poll(() => readStep(instant)).toBeGreaterThan(n + 5);
  await instant.close();
});

test('a link whose θ fragment is corrupt says so and falls back to replaying', async ({ page }) => {
  await page.goto('./?seed=3&step=12#theta=AAAA-not-weights');
  const notice = page.getByRole('alert');
  await expect(notice).toContainText('the weights in the link cannot be read');
  await expect(notice).toContainText('replaying training to step 12 instead');
  await expect(status(page)).toContainText('step 12 ', { timeout: 60_000 });
  await expect(status(page)).toContainText('paused');
});

test("Meta-SGD's learned inner learning rates travel with θ in the link", async ({ page, context }) => {
  await page.goto('./?algo=metasgd&batch=5&seed=11');
  await waitReady(page, /wasm/);
  const n = await trainTo(page, 30);
  const evalText = await readout(page, 'eval').textContent();
  const adaptation = await page.locator('.numbers').textContent();
  const link = await copyLink(page);
  const shared = await linkWeights(link);
  expect(shared.alpha?.length).toBe(shared.theta.length);
  const other = await context.newPage();
  await other.goto(link);
  await expect(status(other)).toContainText(`step ${n} `);
  // θ and the learned α arrive in the worker to the bit
  expect(await linkWeights(await copyLink(other))).toEqual(shared);
  // the adaptation curve uses the learned α vector: without it these numbers would differ
  await expect(readout(other, 'eval')).toHaveText(evalText ?? '');
  await expect(other.locator('.numbers')).toHaveText(adaptation ?? '');
  await other.close();

  // after a mid-run change a replay cannot reproduce θ: a link without θ says so
  const alpha = page.getByLabel('inner learning rate');
  await alpha.focus();
  await alpha.press('ArrowRight');
  await page.getByLabel('include θ in the link').uncheck();
  const replayOnly = await copyLink(page, link);
  expect(new URL(replayOnly).hash).toBe('');
  await expect(page.getByTestId('share-summary')).toContainText(
    `Replaying from step 0 will not reproduce this θ (the settings changed at step ${n})`,
  );
});
