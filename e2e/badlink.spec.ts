import { expect, test } from '@playwright/test';
import { parseExperiment } from '../src/core/experiment';
import { collectErrors, waitReady, waitStepAtLeast } from './helpers';

const BAD =
  '?algo=sgd9&alpha=abc&beta=5&inner=2.6&k=100000&batch=1e9&hidden=100000,100000,7,7,7&seed=-4&step=1e12&backend=gpu&evil=%3Cscript%3E';

test('a bad link opens a working page and lists exactly what was changed', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(`./${BAD}`);
  const notice = page.getByRole('alert');
  await expect(notice).toBeVisible();
  const items = notice.getByRole('listitem');
  // the experiment's own fields are judged by the core's schema; step and backend by the page
  const core = parseExperiment(BAD, { ignore: ['step', 'backend'] });
  expect(core.warnings.map((w) => w.key)).toEqual([
    'algo',
    'alpha',
    'beta',
    'inner',
    'k',
    'batch',
    'hidden',
    'seed',
    'evil',
  ]);
  const expected = [
    ...core.warnings.map((w) => w.message),
    'backend=gpu is not one of webgpu, wasm, cpu, auto; using auto',
    'step=1e12 is outside [0, 100000]; clamped to 100000',
  ];
  for (const line of expected) await expect(items.filter({ hasText: line })).toHaveCount(1);
  await expect(items).toHaveCount(expected.length);

  // the values actually used are the clamped ones
  const params = new URL(page.url()).searchParams;
  expect(params.get('alpha')).toBe(String(core.config.alpha));
  expect(params.get('beta')).toBe(String(core.config.beta));
  expect(params.get('k')).toBe(String(core.config.k));
  expect(params.get('hidden')).toBe(core.config.hidden.join(','));
  expect(params.get('algo')).toBe(core.config.algo);
  expect(params.get('evil')).toBeNull();

  // dismissible
  await notice.getByRole('button', { name: 'Dismiss notice' }).click();
  await expect(page.getByRole('alert')).toHaveCount(0);

  // the clamped network is as large as the schema allows (slow, but in the worker): the replay
  // towards step 100000 shows its progress, the page stays responsive and can be paused
  await expect(page.locator('.replay progress')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('status')).toContainText(/step \d+ · wasm/);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.locator('.replay progress')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Play' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('a link with bad values opens clamped and trains', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto('./?alpha=-3&algo=MAML%2B%2B&k=0&batch=NaN&query=1e400');
  const notice = page.getByRole('alert');
  await expect(notice.getByRole('listitem')).toHaveCount(5);
  await expect(notice).toContainText('alpha=-3 is outside');
  await expect(notice).toContainText('algo=MAML++ is not one of');
  await waitReady(page);
  await page.getByRole('button', { name: 'Play' }).click();
  const first = await waitStepAtLeast(page, 3);
  await waitStepAtLeast(page, first + 5);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.locator('[data-readout="loss"]')).toHaveText(/^\d/);
  expect(errors).toEqual([]);
});

test('a link with only a bad step still opens at step 0 and trains', async ({ page }) => {
  await page.goto('./?step=NaN');
  await expect(page.getByRole('alert')).toContainText('step=NaN is not a number; starting from step 0');
  await waitReady(page);
  await page.getByRole('button', { name: 'Play' }).click();
  await waitStepAtLeast(page, 3);
});
