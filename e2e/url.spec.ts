import { expect, test } from '@playwright/test';
import { readStep, waitReady, waitStepAtLeast } from './helpers';

test('moving sliders and pickers updates the URL in place, and training keeps θ', async ({ page }) => {
  await page.goto('./');
  await waitReady(page);
  expect(new URL(page.url()).searchParams.get('alpha')).toBe('0.01');
  const historyLength = await page.evaluate(() => history.length);

  const alpha = page.getByLabel('inner learning rate');
  await alpha.focus();
  for (let i = 0; i < 5; i++) await alpha.press('ArrowRight');
  await expect.poll(() => new URL(page.url()).searchParams.get('alpha')).toBe('0.0112');

  const beta = page.getByLabel('meta learning rate');
  await beta.focus();
  await beta.press('ArrowLeft');
  await expect.poll(() => new URL(page.url()).searchParams.get('beta')).toBe('0.000977');

  const inner = page.getByLabel('inner steps');
  await inner.focus();
  await inner.press('ArrowRight');
  await expect.poll(() => new URL(page.url()).searchParams.get('inner')).toBe('2');

  await page.getByLabel('K shots').fill('5');
  await expect.poll(() => new URL(page.url()).searchParams.get('k')).toBe('5');
  await expect(page.locator('[data-panel="maml"] circle.support-point')).toHaveCount(5);

  await page.getByLabel('meta-batch size').fill('10');
  await expect.poll(() => new URL(page.url()).searchParams.get('batch')).toBe('10');

  // live changes keep θ: training continues from the same step
  await page.getByRole('button', { name: 'Play' }).click();
  const before = await waitStepAtLeast(page, 10);
  await page.getByLabel('algorithm').selectOption({ label: 'Reptile' });
  await expect.poll(() => new URL(page.url()).searchParams.get('algo')).toBe('reptile');
  await waitStepAtLeast(page, before + 10);
  await page.getByRole('button', { name: 'Pause' }).click();

  // a new seed is a new run, from step 0
  await page.getByRole('button', { name: 'new seed' }).click();
  await expect.poll(() => new URL(page.url()).searchParams.get('seed')).not.toBe('1');
  await expect.poll(() => readStep(page)).toBe(0);

  // so are new hidden sizes: a new network, with a note saying why training restarted
  await page.getByLabel('hidden layers').fill('20');
  await page.getByLabel('hidden layers').press('Enter');
  await expect.poll(() => new URL(page.url()).searchParams.get('hidden')).toBe('20');
  await expect(page.getByText('hidden layers changed to 20: a new network')).toBeVisible();
  // 1→20→1: 20 + 20 weights and biases, then 20 + 1
  await expect(page.locator('[data-readout="params"]')).toHaveText('61');
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => readStep(page)).toBe(1);

  // Escape puts a typed field back and applies nothing (no new run, no link change)
  const hiddenField = page.getByLabel('hidden layers');
  await hiddenField.fill('33');
  await hiddenField.press('Escape');
  await expect(hiddenField).toHaveValue('20');
  const amp = page.getByLabel('amp', { exact: true });
  const ampBefore = await amp.inputValue();
  await amp.fill('1,2');
  await amp.press('Escape');
  await expect(amp).toHaveValue(ampBefore);
  await page.waitForTimeout(300);
  expect(new URL(page.url()).searchParams.get('hidden')).toBe('20');
  expect(new URL(page.url()).searchParams.has('amp')).toBe(false);
  expect(await readStep(page)).toBe(1);

  // no history spam
  expect(await page.evaluate(() => history.length)).toBe(historyLength);
  const params = new URL(page.url()).searchParams;
  expect([...params.keys()]).toEqual([
    'task',
    'algo',
    'alpha',
    'beta',
    'inner',
    'k',
    'query',
    'batch',
    'hidden',
    'seed',
  ]);
});
