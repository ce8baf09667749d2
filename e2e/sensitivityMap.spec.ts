import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { collectErrors, readStep, waitReady } from './helpers';

test('sensitivity map: a 3×2 link opens the panel, cells fill, hover, cancel keeps cells, click opens the run', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const errors = collectErrors(page);
  // a link with a map: the panel opens with its axes and trains nothing until Start
  await page.goto('./?task=sinusoid&sweep=alpha:0.001..1:log:3,beta:0.001..0.01:log:2&sweepsteps=200');
  await waitReady(page);
  const panel = page.getByTestId('sweep-panel');
  await expect(panel).toBeVisible();
  await expect(page.getByTestId('sweep-x-count')).toHaveValue('3');
  await expect(page.getByTestId('sweep-map')).toHaveCount(0);
  // an honest estimate from cells timed on this machine
  await expect(page.getByTestId('sweep-estimate')).toContainText(
    /about \d+ (s|min).*meta-steps\/s measured/,
    {
      timeout: 60_000,
    },
  );

  // a grid over 8 values per axis is refused with the reason
  await page.getByTestId('sweep-x-count').fill('9');
  await expect(page.getByTestId('sweep-refused')).toContainText('at most 8 per axis');
  await expect(page.getByTestId('sweep-start')).toBeDisabled();
  await page.getByTestId('sweep-x-count').fill('3');

  // the page stays responsive while the map trains: count main-thread tasks over 50 ms
  await page.evaluate(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: false });
  });
  await page.getByTestId('sweep-start').click();
  const cells = page.locator('[data-testid=sweep-map] g.map-cell');
  await expect(cells).toHaveCount(6);
  // the first finished cell is usable while the rest train
  await expect(
    page.locator('g.map-cell[data-state=trained], g.map-cell[data-state=diverged]').first(),
  ).toBeAttached({
    timeout: 60_000,
  });
  await page.getByTestId('sweep-cancel').click();
  await expect(page.getByTestId('sweep-progress')).toContainText('(cancelled)');
  const kept = await page.locator('g.map-cell[data-state=trained], g.map-cell[data-state=diverged]').count();
  expect(kept).toBeGreaterThan(0);
  // Start again trains only the rest; every cell fills in, α = 1 may diverge (hatched, no colour)
  await page.getByTestId('sweep-start').click();
  await expect(page.getByTestId('sweep-progress')).toContainText('all 6 cells finished', {
    timeout: 120_000,
  });
  await expect(page.locator('g.map-cell[data-state=waiting]')).toHaveCount(0);
  await expect(page.getByTestId('sweep-reading')).toContainText(/best one-step MSE [\d.]+ ± [\d.]+ at α/);
  const diverged = page.locator('g.map-cell[data-state=diverged] rect.cell-fill');
  if ((await diverged.count()) > 0)
    await expect(diverged.first()).toHaveAttribute('fill', 'url(#sweep-hatch)');
  const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  expect(longTasks.filter((d) => d > 200)).toEqual([]);

  // downloads through the chart menu: CSV (one row per cell) and a standalone SVG with the title
  const csv = await download(page, panel, 'csv');
  expect(csv.name).toMatch(/sensitivity-map.*\.csv$/);
  const lines = csv.text.trim().split(/\r?\n/);
  expect(lines[0]).toBe('alpha,beta,MSE after 1 step,ci95,final meta-loss,status');
  expect(lines).toHaveLength(7);
  const svg = await download(page, panel, 'svg');
  expect(svg.text).toMatch(/<svg[^>]*xmlns=/);
  expect(svg.text).toContain('Sensitivity map');

  // hover: the cell's numbers and its learning curve
  const trained = page.locator('g.map-cell[data-state=trained] rect.cell-fill').first();
  await trained.hover();
  await expect(page.getByTestId('sweep-hover')).toContainText(/one-step MSE [\d.]+ ± [\d.]+/);
  await expect(page.getByTestId('sweep-hover-curve')).toBeVisible();

  // click: the cell's run opens in the playground at its step, with its settings
  const index = Number(await trained.locator('..').getAttribute('data-index'));
  await trained.click();
  await expect(page.getByRole('note').filter({ hasText: /Resumed the map’s cell at α/ })).toBeVisible({
    timeout: 30_000,
  });
  await expect.poll(() => readStep(page)).toBe(200);
  const alpha = await page.evaluate(
    () =>
      (
        window as unknown as { maml: { store: { getState(): { config: { alpha: number } } } } }
      ).maml.store.getState().config.alpha,
  );
  expect([0.001, 0.0316, 1]).toContain(alpha);
  // the opened run's settings are the outlined cell
  await expect(page.locator(`g.map-cell[data-index="${index}"] rect.cell-fill`)).toHaveAttribute(
    'stroke-width',
    '3',
  );

  // the finished cells are kept in this browser: the same link shows them again, training nothing
  await page.goto('./?task=sinusoid&sweep=alpha:0.001..1:log:3,beta:0.001..0.01:log:2&sweepsteps=200');
  await expect(page.getByTestId('sweep-message')).toContainText('6 finished cells kept in this browser');
  await expect(page.locator('g.map-cell[data-state=trained], g.map-cell[data-state=diverged]')).toHaveCount(
    6,
  );
  await expect(page.getByTestId('sweep-progress')).toContainText('all 6 cells finished');

  // the map is one entry on the runs shelf: Open shows it again, Delete removes it
  const entry = page.getByTestId('shelf-map');
  await expect(entry).toHaveCount(1);
  await expect(entry).toContainText('α 0.001 … 1 (3) × β 0.001 … 0.01 (2)');
  await expect(entry).toContainText('6 of 6 cells');
  await expect(entry.getByTestId('shelf-map-reading')).toContainText(/best one-step MSE/);
  await panel.getByRole('button', { name: 'Close' }).click();
  await expect(panel).toHaveCount(0);
  await entry.getByRole('button', { name: 'Open' }).click();
  await expect(page.getByTestId('sweep-progress')).toContainText('all 6 cells finished');
  await entry.getByRole('button', { name: 'Delete' }).click();
  await expect(entry).toHaveCount(0);
  await page.goto('./?task=sinusoid&sweep=alpha:0.001..1:log:3,beta:0.001..0.01:log:2&sweepsteps=200');
  await expect(page.getByTestId('sweep-panel')).toBeVisible();
  await expect(page.getByTestId('sweep-map')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a glyph map: small defaults, an estimate first, accuracy higher-is-better, cells equal the CLI’s bit for bit', async ({
  page,
}) => {
  test.setTimeout(480_000);
  const errors = collectErrors(page);
  // opened from the button, a glyph map starts small: 3×3 cells of 100 meta-steps
  await page.goto('./?task=glyphs');
  await waitReady(page);
  await page.getByTestId('sweep-open').click();
  await expect(page.getByTestId('sweep-x-count')).toHaveValue('3');
  await expect(page.getByTestId('sweep-y-count')).toHaveValue('3');
  await expect(page.getByTestId('sweep-steps')).toHaveValue('100');
  // a tiny map from a link: an estimate timed on this machine before Start, then both cells
  await page.goto('./?task=glyphs&sweep=alpha:0.05..0.4:log:2&sweepsteps=20');
  await waitReady(page);
  await expect(page.getByTestId('sweep-estimate')).toContainText(
    /about \d+ (s|min).*meta-steps\/s measured/,
    {
      timeout: 120_000,
    },
  );
  await page.getByTestId('sweep-start').click();
  await expect(page.getByTestId('sweep-progress')).toContainText('all 2 cells finished', {
    timeout: 240_000,
  });
  await expect(page.getByTestId('sweep-reading')).toContainText(
    /best one-step accuracy [\d.]+% ± [\d.]+% \(higher is better\)/,
  );
  await expect(page.getByTestId('sweep-panel')).toContainText('higher is better');
  const map = await page.evaluate(() => {
    const s = (
      window as unknown as {
        maml: { sweep: { getState(): { plan: { config: string } | null; cells: unknown[] } } };
      }
    ).maml.sweep.getState();
    return { config: s.plan?.config ?? '', cells: s.cells };
  });
  // the same map from the terminal: every cell the same, bit for bit
  const out = join(await mkdtemp(join(tmpdir(), 'glyph-map-')), 'cli.json');
  const json = spawnSync(
    'npx',
    [
      'tsx',
      'src/cli/sweep.ts',
      '--config',
      map.config,
      '--x',
      'alpha=0.05..0.4:log:2',
      '--steps',
      '20',
      '--json',
      out,
    ],
    { encoding: 'utf8', timeout: 240_000 },
  );
  expect(json.status, json.stderr).toBe(0);
  const cliCells = (JSON.parse(await readFile(out, 'utf8')) as { cells: unknown[] }).cells;
  expect(map.cells).toEqual(cliCells);
  expect(errors).toEqual([]);
});

/** Pick a format from a section's Download menu: the file's name and text. */
async function download(page: Page, section: Locator, format: 'svg' | 'csv') {
  await section.getByRole('button', { name: 'Download ▾' }).click();
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    section.locator(`[role=menuitem][data-format="${format}"]`).click(),
  ]);
  return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8') };
}
