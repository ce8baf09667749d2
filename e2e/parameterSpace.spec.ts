import { expect, test, type Locator } from '@playwright/test';
import { collectErrors, readStep, status, waitReady, waitStepAtLeast } from './helpers';

const points = async (l: Locator) => Number(await l.getAttribute('data-points'));

test('the θ view draws the trajectory, each displayed task’s inner-loop path and, on request, both loss landscapes', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const errors = collectErrors(page);
  await page.goto('./');
  await waitReady(page, /wasm/);
  const view = page.getByRole('region', { name: 'Parameter space (θ)' });
  await expect(view).toBeVisible();
  await expect(view.locator('.caption')).toContainText('principal components');

  await page.getByRole('button', { name: 'Play' }).click();
  await waitStepAtLeast(page, 40);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(status(page)).toContainText('paused');
  const step = await readStep(page);

  // the trajectory: many snapshots, time-coloured segments, θ₀ and the current θ at the final step
  const trajectory = view.getByTestId('theta-trajectory');
  // paused, the trajectory ends at the θ it stopped at (a report made just before the pause, also
  // of this step's θ, may not have that snapshot yet: the paused report adds it)
  await expect(trajectory).toHaveAttribute('data-last-step', String(step), { timeout: 20_000 });
  await expect.poll(() => points(trajectory), { timeout: 20_000 }).toBeGreaterThan(10);
  await expect(view.getByTestId('theta-trajectory-chart').locator('[data-marker="current"]')).toHaveCount(1);
  await expect(view.locator('text.marker-label').filter({ hasText: `θ (step ${step})` })).toHaveCount(1);
  const n = await points(trajectory);
  // one dot per snapshot, and time-coloured pieces of the path joining them
  const dots = await trajectory
    .locator('path.trajectory-points')
    .evaluateAll((els) => els.map((e) => e.getAttribute('d') ?? '').join(''));
  expect(dots.match(/M/g)?.length).toBe(n);
  expect(await trajectory.locator('path.trajectory-segment').count()).toBeGreaterThan(1);
  await expect(view.getByTestId('theta-axis-x')).toHaveText(/^PC1 \(\d+(\.\d+)?% of variance\)$/);
  await expect(view.getByTestId('theta-axis-y')).toHaveText(/^PC2 \(\d+(\.\d+)?%\)$/);
  await expect(view.getByTestId('theta-time-legend')).toContainText(`step ${step}`);

  // adapted parameters: the task view's task and four fixed tasks, each a path of 10 inner steps
  const zoom = view.getByTestId('inner-paths-theta');
  const paths = zoom.locator('path.inner-path');
  await expect(paths).toHaveCount(5);
  for (let i = 0; i < 5; i++) {
    const d = (await paths.nth(i).getAttribute('d')) ?? '';
    expect(d.split(/[ML]/).filter(Boolean).length).toBe(11);
  }
  await expect(zoom.locator('circle.path-end')).toHaveCount(5);
  await expect(view.locator('.task-legend li')).toHaveCount(5);

  // hovering a fixed task's path shows that task in the task view; hovering the task view
  // highlights its own task's path here
  await zoom.locator('g.task-path[data-task="2"]').dispatchEvent('mouseenter');
  await expect(view.locator('.task-legend li[data-task="2"]')).toHaveClass(/hovered/);
  await expect(page.locator('[data-panel="maml"] path.ghost-truth[data-task="2"]')).toHaveCount(1);
  await zoom.locator('g.task-path[data-task="2"]').dispatchEvent('mouseleave');
  await expect(page.locator('path.ghost-truth')).toHaveCount(0);
  await page.locator('[data-panel="random"] svg').hover();
  await expect(page.locator('section.task-view')).toHaveClass(/linked/);
  await expect(zoom.locator('path.inner-path[data-task="0"]')).toHaveAttribute('stroke-width', '3.4');
  await expect(zoom.locator('path.inner-path[data-task="1"]')).toHaveAttribute('stroke-width', '1.3');
  await view.getByRole('heading', { name: 'Parameter space (θ)' }).hover();

  // the random initialisation's paths, on request, in a panel of their own
  await view.getByLabel('random init’s paths').check();
  await expect(view.getByTestId('inner-paths-random').locator('path.inner-path')).toHaveCount(5);

  // the loss landscapes: progress while the worker computes them, then filled contours
  await view.getByRole('button', { name: 'Compute loss landscape' }).click();
  await expect(view.getByTestId('landscape-progress')).toBeVisible();
  for (const kind of ['pre', 'post']) {
    const contours = view.getByTestId(`landscape-${kind}`).locator('path.contour');
    await expect.poll(() => contours.count(), { timeout: 40_000 }).toBeGreaterThan(5);
  }
  await expect(view.getByTestId('landscape-progress')).toHaveCount(0);
  await expect(view.getByTestId('landscape-post').locator('[data-marker="theta"]')).toHaveCount(1);
  await expect(view.getByTestId('landscape-sub')).toContainText(`θ at step ${step}`);

  // the pretrained baseline's own trajectory, from the same θ₀; the landscape belonged to the other
  await view.getByRole('button', { name: 'pretrained θ' }).click();
  await expect(trajectory).toHaveAttribute('data-subject', 'pretrained');
  expect(await points(trajectory)).toBe(n);
  await expect(view.getByTestId('theta-sub')).toContainText('pretrained baseline’s θ');
  await expect(view.getByTestId('landscape-pre')).toHaveCount(0);

  // a reset starts the trajectory again at the seed's θ₀
  await page.getByRole('button', { name: 'Reset' }).click();
  await expect(status(page)).toContainText('step 0 ');
  await expect.poll(() => points(trajectory)).toBe(1);
  await expect(view.locator('text.marker-label').filter({ hasText: 'θ (step 0)' })).toHaveCount(1);
  expect(errors).toEqual([]);
});
