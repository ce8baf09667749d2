import { expect, test } from '@playwright/test';
import { waitReady } from './helpers';

test('clicking the task chart adds a support point anywhere, clicking a point removes it, the fans redraw', async ({
  page,
}) => {
  await page.goto('./?k=4');
  await waitReady(page);
  const panel = page.locator('[data-panel="maml"]');
  const svg = panel.locator('svg');
  const points = panel.locator('circle.support-point');
  await expect(points).toHaveCount(4);
  const finalFan = panel.locator('path.fan-line[data-inner-step="10"]');
  await expect(finalFan).toHaveCount(1);
  const before = await finalFan.getAttribute('d');
  const randomBefore = await page
    .locator('[data-panel="random"] path.fan-line[data-inner-step="10"]')
    .getAttribute('d');

  // a point far off the true curve: near the top edge of the plot, at x ≈ 0
  const box = await svg.boundingBox();
  if (!box) throw new Error('no task chart');
  await svg.click({ position: { x: box.width * 0.52, y: 22 } });
  await expect(points).toHaveCount(5);
  await expect(page.locator('[data-panel="random"] circle.support-point')).toHaveCount(5);
  await expect(page.locator('.task-desc')).toContainText('5 support points');
  await expect.poll(() => finalFan.getAttribute('d')).not.toBe(before);
  await expect
    .poll(() => page.locator('[data-panel="random"] path.fan-line[data-inner-step="10"]').getAttribute('d'))
    .not.toBe(randomBefore);
  const withPoint = await finalFan.getAttribute('d');

  // click exactly on the new point to remove it: the fan returns to the 4-point one
  const added = points.nth(4);
  const cx = Number(await added.getAttribute('cx'));
  const cy = Number(await added.getAttribute('cy'));
  await svg.click({ position: { x: cx, y: cy } });
  await expect(points).toHaveCount(4);
  await expect.poll(() => finalFan.getAttribute('d')).not.toBe(withPoint);
  await expect.poll(() => finalFan.getAttribute('d')).toBe(before);

  // with every point removed there is nothing to adapt on: only the step-0 curve remains
  // (as a person would: each click on a point once the previous one has gone; a second click on a
  // point that is still drawn but already removed does nothing)
  for (let i = 0; i < 4; i++) {
    const p = points.first();
    await svg.click({
      position: { x: Number(await p.getAttribute('cx')), y: Number(await p.getAttribute('cy')) },
    });
    await expect(points).toHaveCount(3 - i);
  }
  await expect(points).toHaveCount(0);
  await expect(panel.locator('path.fan-line')).toHaveCount(1);

  // New task: another sinusoid with K points
  const desc = await page.locator('.task-desc strong').textContent();
  await page.getByRole('button', { name: 'New task' }).click();
  await expect(page.locator('.task-desc strong')).not.toHaveText(desc ?? '');
  await expect(points).toHaveCount(4);
  await expect(panel.locator('path.fan-line')).toHaveCount(11);

  // fewer steps in the fan
  const fanSlider = page.getByLabel('adaptation steps shown');
  await fanSlider.fill('3');
  await expect(panel.locator('path.fan-line')).toHaveCount(4);
});
