import { expect, test, type Page } from '@playwright/test';
import { parseExperiment } from '../src/core/experiment';
import { collectErrors, copyLink, readStep, waitReady, waitStepAtLeast, watchTraining } from './helpers';

// Playwright's trace recording runs on the page's main thread: the long-task check must not measure it
test.use({ trace: 'off' });

// a small policy, meta-batch and trajectory count: tfjs-wasm takes seconds per paper-sized iteration
const SMALL = 'task=nav2d&hidden=16,16&batch=2&trajs=4';

/** An arena panel's frame; its data-pre and data-post say how many trajectories its canvas shows. */
const panel = (page: Page, method: string) =>
  page.locator(`[data-testid="nav-arena"] [data-method="${method}"]`);

/**
 * How many pixels of `method`'s arena square its canvas draws over its background: the square's
 * screenshot with the canvas shown against one with it hidden (a worker draws the canvas, so the
 * page cannot read it back; both pictures are compared in the page).
 */
async function arenaInk(page: Page, method: string): Promise<number> {
  const square = page.locator(`[data-testid="nav-arena"] [data-method="${method}"] rect.nav-click`);
  const canvas = page.locator(`.nav-arena-holder canvas[data-method="${method}"]`);
  const shown = (await square.screenshot()).toString('base64');
  await canvas.evaluate((c: HTMLCanvasElement) => (c.style.visibility = 'hidden'));
  const hidden = (await square.screenshot()).toString('base64');
  await canvas.evaluate((c: HTMLCanvasElement) => (c.style.visibility = ''));
  return page.evaluate(
    async ([a, b]: [string, string]) => {
      const pixels = async (b64: string) => {
        const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
        const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
        const c = new OffscreenCanvas(bitmap.width, bitmap.height);
        const ctx = c.getContext('2d');
        ctx?.drawImage(bitmap, 0, 0);
        return ctx?.getImageData(0, 0, c.width, c.height).data ?? new Uint8ClampedArray();
      };
      const [x, y] = [await pixels(a), await pixels(b)];
      if (x.length === 0 || x.length !== y.length) return -1;
      let ink = 0;
      // (the canvas' own background, the goals' square, is not ink)
      const background = (i: number) => x[i] === 248 && x[i + 1] === 250 && x[i + 2] === 252;
      for (let i = 0; i < x.length; i += 4)
        if (!background(i) && (x[i] !== y[i] || x[i + 1] !== y[i + 1] || x[i + 2] !== y[i + 2])) ink++;
      return ink;
    },
    [shown, hidden] as [string, string],
  );
}

/** The arena's MAML panel: a click at (fx, fy) of its square, as fractions of its size. */
async function clickArena(page: Page, fx: number, fy: number): Promise<void> {
  const square = page.locator('[data-method="maml"] rect.nav-click');
  const box = await square.boundingBox();
  if (!box) throw new Error('no arena');
  await page.mouse.click(box.x + fx * box.width, box.y + fy * box.height);
}

test('2-D navigation: the arena draws, Play trains, a click places a goal and one step redraws it', async ({
  page,
}) => {
  test.setTimeout(150_000);
  const errors = collectErrors(page);
  await page.goto(`./?${SMALL}`);
  await waitReady(page);
  await expect(page.getByLabel('Task family')).toHaveValue('nav2d');
  // the arena: every initialisation's trajectories before the step and after it
  for (const m of ['maml', 'pretrained', 'random']) {
    await expect(panel(page, m)).toHaveAttribute('data-pre', '4', { timeout: 60_000 });
    await expect(panel(page, m)).toHaveAttribute('data-post', '4');
    // (the canvas is drawn by a worker a moment after the counts are set)
    await expect.poll(() => arenaInk(page, m), { timeout: 10_000 }).toBeGreaterThan(100);
  }
  await expect(page.getByTestId('nav-arena-status')).toContainText('meta-step 0');
  // the readout names this family's training number: the average return after the inner step
  await expect(page.locator('.readouts dt').filter({ hasText: 'post-update return' })).toHaveCount(1);
  await expect(page.locator('.readouts dt').filter({ hasText: 'meta-loss' })).toHaveCount(0);

  await page.getByRole('button', { name: 'Play' }).click();
  await waitStepAtLeast(page, 2, 90_000);
  await page.getByRole('button', { name: 'Pause' }).click();
  const step = await readStep(page);
  expect(step).toBeGreaterThanOrEqual(2);
  // the held-out returns after 0..3 inner steps (the paused page asks for them)
  await expect(page.getByTestId('nav-return-maml')).toHaveCount(1, { timeout: 60_000 });

  // the shared θ view follows the policy's flat θ, with the fixed goals' inner-loop paths
  await expect(page.getByTestId('theta-view').locator('svg').first()).toBeVisible({ timeout: 60_000 });
  // a click places a goal there; the worker adapts once and the after-step paths are drawn again
  await expect(page.getByTestId('nav-arena-status')).toContainText('Click anywhere');
  const before = await panel(page, 'maml').getAttribute('data-adaptation');
  const star = page.locator('[data-method="maml"] [data-testid="nav-goal"]');
  const starBefore = await star.getAttribute('transform');
  await clickArena(page, 0.2, 0.8);
  await expect(star).not.toHaveAttribute('transform', starBefore ?? '');
  await expect(page.getByTestId('nav-arena-status')).toContainText('Click anywhere', { timeout: 60_000 });
  await expect(panel(page, 'maml')).not.toHaveAttribute('data-adaptation', before ?? '');
  await expect(panel(page, 'maml')).toHaveAttribute('data-post', '4');
  await expect(page.getByTestId('nav-goal-note')).toHaveCount(0);
  // outside the goals' square (the drawing reaches 0.6): clamped, and the page says so
  await clickArena(page, 0.99, 0.01);
  await expect(page.getByTestId('nav-goal-note')).toContainText('clamped to the arena');
  await expect(page.getByTestId('nav-goal-note')).toContainText('(0.50, 0.50)');
  await page.screenshot({ path: 'test-results/nav2d-arena.png', fullPage: true });
  // the share link replays from the seed (θ is not carried); θ downloads as one JSON file
  const link = new URL(await copyLink(page));
  expect(link.searchParams.get('task')).toBe('nav2d');
  expect(link.searchParams.get('trajs')).toBe('4');
  expect(Number(link.searchParams.get('step'))).toBe(await readStep(page));
  expect(link.hash).toBe('');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download θ' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(`maml-nav2d-theta-step-${await readStep(page)}.json`);
  // the worker never failed (a θ view report once detached the goals it still needed)
  await expect(page.getByText('The training worker failed')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('2-D navigation: a hostile link is clamped and each change explained in one line', async ({ page }) => {
  const errors = collectErrors(page);
  const link = '?task=nav2d&trajs=1e9&alpha=NaN&hidden=16&batch=2';
  await page.goto(`./${link}`);
  const items = page.getByRole('alert').getByRole('listitem');
  const core = parseExperiment(link);
  expect(core.warnings.map((w) => w.key).sort()).toEqual(['alpha', 'trajs']);
  for (const w of core.warnings) await expect(items.filter({ hasText: w.message })).toHaveCount(1);
  await waitReady(page);
  const params = new URL(page.url()).searchParams;
  expect(params.get('trajs')).toBe('100');
  expect(params.get('alpha')).toBe(String(core.config.alpha));
  await expect(page.getByRole('slider', { name: 'trajectories per task' })).toHaveValue('100');
  expect(errors).toEqual([]);
});

test('2-D navigation: the training inner rates and the meta-objective are settings of the page and the link', async ({
  page,
}) => {
  const errors = collectErrors(page);
  await page.goto('./?task=nav2d&batch=2&trajs=2&hidden=16');
  await waitReady(page);
  const rates = page.getByLabel('training inner rates');
  const objective = page.getByLabel('meta-objective');
  // with one inner step both are off, and say why
  await expect(rates).toBeDisabled();
  await expect(objective).toHaveAttribute('title', /2 or more inner steps/);
  await page.goto('./?task=nav2d&batch=2&trajs=2&hidden=16&inner=3&metaopt=trpo');
  await waitReady(page);
  await expect(objective).toBeEnabled();
  await rates.selectOption('halved');
  await objective.selectOption('mean');
  await expect(page).toHaveURL(/rates=halved/);
  await expect(page).toHaveURL(/metaobj=mean/);
  await page.reload();
  await waitReady(page);
  await expect(rates).toHaveValue('halved');
  await expect(objective).toHaveValue('mean');
  expect(errors).toEqual([]);
});

test('2-D navigation: no main-thread task over 50 ms while the policy trains (5 s)', async ({ page }) => {
  const settled = async (p: Page) => {
    // the watch is of training: the arena's first adaptation and the first evaluation are drawn
    await expect(panel(p, 'random')).toHaveAttribute('data-post', '4', { timeout: 60_000 });
    await expect(p.getByTestId('nav-return-random')).toHaveCount(1, { timeout: 60_000 });
  };
  await watchTraining(page, `./?${SMALL}`, /wasm/, 2, 5_000, settled);
});

test('2-D navigation: after one visit the page opens offline and the worker adapts to a goal', async ({
  page,
  context,
}) => {
  test.setTimeout(120_000);
  const errors = collectErrors(page);
  await page.goto(`./?${SMALL}`);
  await waitReady(page, /wasm/);
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await context.setOffline(true);
  await page.reload();
  await waitReady(page, /wasm/);
  await expect(panel(page, 'maml')).toHaveAttribute('data-post', '4', { timeout: 60_000 });
  const before = await panel(page, 'maml').getAttribute('data-adaptation');
  await clickArena(page, 0.3, 0.3);
  await expect(page.getByTestId('nav-arena-status')).toContainText('Click anywhere', { timeout: 60_000 });
  await expect(panel(page, 'maml')).not.toHaveAttribute('data-adaptation', before ?? '');
  await expect(panel(page, 'maml')).toHaveAttribute('data-post', '4');
  expect(errors).toEqual([]);
});
