import { expect, test } from '@playwright/test';
import { collectErrors, readStep, status, waitReady, waitStepAtLeast, weightsNow } from './helpers';

/** The debugging handle main.tsx puts on window. */
interface Handle {
  maml: { store: { getState(): { snapshot: { step: number } | null } }; crashWorker(): void };
}

test('divergence pauses, restores the last finite θ and names the knob to turn', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('./?alpha=1&inner=5&beta=0.1');
  await waitReady(page);
  // at α = 1 even test-time fine-tuning explodes: the page says so instead of plotting nonsense
  await expect(page.getByTestId('adapt-diverged')).toContainText('Fine-tuning diverges at α = 1');
  await page.getByRole('button', { name: 'Play' }).click();
  const notice = page.getByRole('alert').filter({ hasText: 'Training diverged' });
  await expect(notice).toBeVisible({ timeout: 60_000 });
  await expect(notice).toContainText('lower the inner learning rate α (now 1');
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
  const m = /restored the last finite θ, from step (\d+)/.exec((await notice.textContent()) ?? '');
  expect(m).not.toBeNull();
  const restored = Number(m?.[1]);
  await expect.poll(() => readStep(page)).toBe(restored);

  // turning the knob as advised: training then runs with finite losses
  const alpha = page.getByLabel('inner learning rate');
  await alpha.focus();
  await alpha.press('Home');
  await expect.poll(() => new URL(page.url()).searchParams.get('alpha')).toBe('0.0001');
  await page.getByRole('button', { name: 'Play' }).click();
  await waitStepAtLeast(page, restored + 20);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.locator('[data-readout="loss"]')).toHaveText(/^\d/);
  await expect(page.locator('[data-readout="eval"]')).toHaveText(/^\d.* @ step \d+$/);
  await expect(page.getByTestId('adapt-diverged')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a worker crash restarts training on the next backend down from the last θ', async ({ page }) => {
  await page.goto('./');
  await waitReady(page, /wasm/);
  await page.getByRole('button', { name: 'Play' }).click();
  await waitStepAtLeast(page, 30);
  // make sure the page holds a snapshot of θ (sent every second while training)
  const heldStep = () =>
    page.evaluate(() => (window as unknown as Handle).maml.store.getState().snapshot?.step ?? 0);
  await expect.poll(heldStep).toBeGreaterThan(0);
  const held = await heldStep();
  await page.evaluate(() => (window as unknown as Handle).maml.crashWorker());
  const notice = page.getByRole('alert').filter({ hasText: 'The training worker failed on wasm' });
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('Restarted it on cpu');
  await expect(status(page)).toContainText('cpu', { timeout: 60_000 });
  // resumed from the held θ (not from 0) and still training
  await expect.poll(() => readStep(page), { timeout: 60_000 }).toBeGreaterThan(held);
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
  await page.getByRole('button', { name: 'Pause' }).click();
});

test('switching the backend continues the run there and keeps θ', async ({ page }) => {
  await page.goto('./');
  await waitReady(page, /wasm/);
  await page.getByRole('button', { name: 'Play' }).click();
  await waitStepAtLeast(page, 30);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByRole('status')).toContainText('paused');
  const heldStep = () =>
    page.evaluate(() => (window as unknown as Handle).maml.store.getState().snapshot?.step ?? 0);
  // the page says "paused" at once; the steps the worker took before it heard Pause may still be on
  // their way, so the status's step settles on the one θ is held at (once it read 254 against 260)
  await expect
    .poll(async () => ((await readStep(page)) === (await heldStep()) ? 'settled' : 'arriving'))
    .toBe('settled');
  const step = await readStep(page);
  const before = await weightsNow(page);
  expect(before.step).toBe(step);
  await page.getByLabel('compute backend').selectOption('cpu');
  await expect.poll(() => new URL(page.url()).searchParams.get('backend')).toBe('cpu');
  await expect(status(page)).toContainText(`step ${step} · cpu`, { timeout: 60_000 });
  // the cpu worker holds the same θ and baseline, to the bit (the share link reads it from the worker)
  expect(await weightsNow(page)).toEqual(before);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(status(page)).toContainText(`step ${step + 1} · cpu`);
});
