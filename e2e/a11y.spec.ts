import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { collectErrors, copyLink, trainTo, waitReady } from './helpers';

/**
 * Accessibility: axe (WCAG 2.x A and AA rules and axe's best practices) finds no violation on any
 * page (sinusoid, mixture, glyph lab) nor in any panel the page opens: the walk-through, the share
 * panel, the runs shelf with an entry, a chart's download menu, the θ view with its loss landscape,
 * the task view, and the glyph lab's query probabilities and drawing lab.
 */
async function violations(page: Page, where: string): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  const found = result.violations.map(
    (v) =>
      `${where}: ${v.id} (${v.impact ?? '?'}) ${v.help}: ` +
      v.nodes
        .slice(0, 5)
        .map(
          (n) =>
            `${n.target.join(' ')}${n.failureSummary ? ` [${n.failureSummary.replace(/\s+/g, ' ')}]` : ''}`,
        )
        .join('; '),
  );
  // printed as found, so a run that stops later still says what it saw
  for (const line of found) console.log(line);
  return found;
}

const walk = (page: Page) => page.getByTestId('walk');

/** One straight stroke across a drawing pad, its direction set by `kind` (0..3), with the mouse. */
async function stroke(page: Page, pad: Locator, kind: number): Promise<void> {
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  if (!box) throw new Error('a drawing pad has no box');
  const ends = [
    [0.5, 0.15, 0.5, 0.85],
    [0.15, 0.5, 0.85, 0.5],
    [0.2, 0.2, 0.8, 0.8],
    [0.8, 0.2, 0.2, 0.8],
  ][kind % 4] as number[];
  const at = (i: number) => [
    box.x + (ends[i] as number) * box.width,
    box.y + (ends[i + 1] as number) * box.height,
  ];
  const [x0, y0] = at(0) as [number, number];
  const [x1, y1] = at(2) as [number, number];
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move(x1, y1, { steps: 6 });
  await page.mouse.up();
}

/** The drawing lab: every example pad drawn, adapted, and a test drawing classified. */
async function drawingLab(page: Page, where: string, found: string[]): Promise<void> {
  const pads = page.locator('.pad-row');
  const rows = await pads.count();
  for (let c = 0; c < rows; c++) {
    const cells = pads.nth(c).locator('[data-testid^="pad-"]');
    for (let i = 0; i < (await cells.count()); i++) await stroke(page, cells.nth(i), c);
  }
  await page.getByRole('button', { name: 'Adapt', exact: true }).click();
  await expect(page.getByTestId('adapt-status')).toContainText('Adapted', { timeout: 60_000 });
  await stroke(page, page.getByTestId('pad-test'), 0);
  await expect(page.getByTestId('prediction-maml')).toHaveText(/^[A-E]$/, { timeout: 30_000 });
  found.push(...(await violations(page, `${where} drawing lab, adapted and classifying`)));
}

/** The walk-through of one meta-step, opened by its key: every phase checked, then closed. */
async function walkPhases(page: Page, where: string, found: string[]): Promise<void> {
  await page.keyboard.press('w');
  await expect(walk(page)).toHaveAttribute('data-phase', '1', { timeout: 120_000 });
  await expect(page.getByTestId('walk-announcement')).toContainText('Phase 1 of 5', { timeout: 120_000 });
  for (let phase = 1; phase <= 5; phase++) {
    if (phase > 1) {
      await page.keyboard.press('ArrowRight');
      await expect(walk(page)).toHaveAttribute('data-phase', String(phase), { timeout: 120_000 });
      await expect(page.getByTestId('walk-announcement')).toContainText(`Phase ${phase} of 5`, {
        timeout: 120_000,
      });
    }
    found.push(...(await violations(page, `${where} walk-through phase ${phase}`)));
  }
  await page.keyboard.press('Escape');
  await expect(walk(page)).toHaveCount(0);
}

/** The share panel after a link was made, and the first chart's Download menu, open. */
async function sharePanelAndMenu(page: Page, where: string, found: string[]): Promise<void> {
  await copyLink(page);
  await expect(page.getByTestId('share-summary')).toBeVisible();
  found.push(...(await violations(page, `${where} share panel`)));
  const menuButton = page.getByRole('button', { name: 'Download ▾' }).first();
  await menuButton.click();
  await expect(page.getByRole('menuitem').first()).toBeVisible();
  found.push(...(await violations(page, `${where} download menu`)));
  await page.keyboard.press('Escape');
  if ((await page.getByRole('menuitem').count()) > 0) await menuButton.click();
  await expect(page.getByRole('menuitem')).toHaveCount(0);
}

test('the sinusoid page and its panels have no accessibility violation', async ({ page }) => {
  test.setTimeout(600_000);
  const errors = collectErrors(page);
  const found: string[] = [];
  await page.goto('./?k=5&batch=10&seed=31&backend=wasm');
  await waitReady(page, /wasm/);
  found.push(...(await violations(page, 'sinusoid, fresh')));
  // trained and paused: the curves, the evaluation, an autosave on the runs shelf
  await trainTo(page, 20);
  await expect(page.getByTestId('shelf-entry')).toHaveCount(1, { timeout: 30_000 });
  found.push(...(await violations(page, 'sinusoid, trained, runs shelf with an entry')));
  // the θ view, scrolled to (its parts mount near the viewport), with its loss landscape
  const theta = page.getByRole('region', { name: 'Parameter space (θ)' });
  await theta.scrollIntoViewIfNeeded();
  await expect(theta.getByTestId('theta-trajectory')).toBeVisible({ timeout: 30_000 });
  await theta.getByRole('button', { name: 'Compute loss landscape' }).click();
  await expect(theta.getByTestId('landscape-progress')).toHaveCount(0, { timeout: 90_000 });
  found.push(...(await violations(page, 'sinusoid θ view with landscape')));
  await sharePanelAndMenu(page, 'sinusoid', found);
  await walkPhases(page, 'sinusoid', found);
  expect(found).toEqual([]);
  expect(errors).toEqual([]);
});

test('the mixture page has no accessibility violation', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = collectErrors(page);
  const found: string[] = [];
  await page.goto('./?task=mixture&batch=10&backend=wasm');
  await waitReady(page, /wasm/);
  await trainTo(page, 10);
  found.push(...(await violations(page, 'mixture')));
  // the task view of another task
  await page.getByRole('button', { name: 'New task' }).click();
  found.push(...(await violations(page, 'mixture, new task')));
  expect(found).toEqual([]);
  expect(errors).toEqual([]);
});

test('the glyph lab and its panels have no accessibility violation', async ({ page }) => {
  test.setTimeout(600_000);
  const errors = collectErrors(page);
  const found: string[] = [];
  // a narrow conv net and a small meta-batch keep the lab's steps quick on a busy machine
  await page.goto('./?task=glyphs&backend=wasm&ways=3&filters=8&batch=2&query=2');
  await waitReady(page, /wasm/);
  await expect(page.getByTestId('shipped-status')).not.toContainText('looking', { timeout: 20_000 });
  await expect(page.getByTestId('support-grid').getByRole('img').first()).toBeVisible({ timeout: 30_000 });
  // the first evaluation of the three initialisations has drawn its curves
  await expect(page.locator('path.curve-line')).toHaveCount(3, { timeout: 120_000 });
  found.push(...(await violations(page, 'glyph lab')));
  // a query's class probabilities, shown on hover
  await page.locator('td.pred').first().hover();
  await expect(page.getByTestId('hover-probs')).toContainText('%');
  found.push(...(await violations(page, 'glyph lab, query probabilities on hover')));
  await drawingLab(page, 'glyph lab', found);
  // the θ view is built once it comes near the viewport, at the foot of the lab
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  const theta = page.getByRole('region', { name: 'Parameter space (θ)' });
  await expect(theta.locator('.caption')).toContainText('conv net', { timeout: 30_000 });
  found.push(...(await violations(page, 'glyph lab θ view')));
  await sharePanelAndMenu(page, 'glyph lab', found);
  await walkPhases(page, 'glyph lab', found);
  expect(found).toEqual([]);
  expect(errors).toEqual([]);
});
