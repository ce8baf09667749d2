import { expect, test, type Locator } from '@playwright/test';
import { collectErrors, readStep, status, waitReady, waitStepAtLeast } from './helpers';

const points = async (l: Locator) => Number(await l.getAttribute('data-points'));

test('glyph θ view: the conv net’s trajectory, the inner-loop paths of three held-out tasks and a landscape', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const errors = collectErrors(page);
  // a narrow conv net (8 filters, meta-batch 2) keeps steps and the landscape quick on a busy machine;
  // the default network's timings are in the README
  await page.goto('./?task=glyphs&backend=wasm&filters=8&batch=2&query=2');
  await waitReady(page, /wasm/);
  // the first evaluation of the three initialisations comes first (seconds of conv-net work)
  await expect(page.locator('path.curve-line')).toHaveCount(3, { timeout: 90_000 });
  // the view is built once it comes near the viewport, at the foot of the lab
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  const view = page.getByRole('region', { name: 'Parameter space (θ)' });
  await expect(view).toBeVisible();
  await expect(view.locator('.caption')).toContainText('conv net');
  // only MAML's θ: the pretrained classifier has another head
  await expect(view.getByRole('button', { name: 'pretrained θ' })).toHaveCount(0);

  const stepButton = page.getByRole('button', { name: 'Step', exact: true });
  const start = await readStep(page);
  for (let i = 1; i <= 2; i++) {
    await stepButton.click();
    await waitStepAtLeast(page, start + i, 60_000);
    await expect(stepButton).toBeEnabled({ timeout: 60_000 });
  }
  const step = await readStep(page);

  const trajectory = view.getByTestId('theta-trajectory');
  await expect.poll(() => points(trajectory), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
  await expect(view.locator('text.marker-label').filter({ hasText: `θ (step ${step})` })).toHaveCount(1, {
    timeout: 30_000,
  });
  await expect(view.getByTestId('theta-sub')).toContainText(/weights of the MAML.* θ/);

  // three held-out tasks, each a path of five inner steps, named by their classes, with their query loss
  const zoom = view.getByTestId('inner-paths-theta');
  const paths = zoom.locator('path.inner-path');
  await expect(paths).toHaveCount(3);
  for (let i = 0; i < 3; i++) {
    const d = (await paths.nth(i).getAttribute('d')) ?? '';
    expect(d.split(/[ML]/).filter(Boolean).length).toBe(6);
  }
  const legend = view.locator('.task-legend li');
  await expect(legend).toHaveCount(3);
  await expect(legend.first().locator('.task-fn')).toContainText(' · ');
  await expect(legend.first().locator('.task-loss')).toContainText(/^query loss \d/);

  // the landscape, a few grid points at a time in the worker
  await view.getByRole('button', { name: 'Compute loss landscape' }).click();
  await expect(view.getByTestId('landscape-progress')).toBeVisible();
  for (const kind of ['pre', 'post']) {
    const contours = view.getByTestId(`landscape-${kind}`).locator('path.contour');
    await expect.poll(() => contours.count(), { timeout: 120_000 }).toBeGreaterThan(3);
  }
  await expect(view.getByTestId('landscape-progress')).toHaveCount(0);
  await expect(view.getByTestId('landscape-sub')).toContainText('9×9 grid');
  await expect(view.getByTestId('landscape-sub')).toContainText('meta-training alphabets');
  await expect(view.locator('[data-landscape="post"] .legend-item').first()).toContainText('cross-entropy');
  await view.screenshot({ path: test.info().outputPath('glyph-theta-view.png') });
  await expect(status(page)).toContainText('paused');
  expect(errors).toEqual([]);
});
