import { expect, test, type Page } from '@playwright/test';
import { collectErrors, copyLink, readStep, status, waitReady, waitStepAtLeast } from './helpers';

const walk = (page: Page) => page.getByTestId('walk');
const announcement = (page: Page) => page.getByTestId('walk-announcement');
const currentLine = (page: Page) => walk(page).locator('.walk-algorithm li[aria-current="step"]');

async function stepTo(page: Page, n: number): Promise<void> {
  for (let i = await readStep(page); i < n; i++) {
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await waitStepAtLeast(page, i + 1);
  }
  await expect(status(page)).toContainText(`step ${n} `);
}

test('walk through one meta-step with the keyboard: every phase announced and marked, and the update is exactly a plain Step', async ({
  page,
  context,
  browser,
}) => {
  test.setTimeout(150_000);
  const errors = collectErrors(page);
  const url = './?seed=5&batch=10&backend=wasm';
  await page.goto(url);
  await waitReady(page, /wasm/);
  await stepTo(page, 3);

  await page.keyboard.press('w');
  await expect(walk(page)).toBeVisible();
  await expect(walk(page)).toHaveAttribute('data-phase', '1');
  await expect(announcement(page)).toContainText(
    'Phase 1 of 5, Sample tasks: 10 tasks drawn for meta-step 4; the first 6 are shown.',
    { timeout: 30_000 },
  );
  await expect(currentLine(page)).toContainText('Sample 10 tasks');
  await expect(walk(page).locator('.walk-task')).toHaveCount(6);
  // sample phase: the prediction at θ only, no query points yet
  await expect(walk(page).locator('.walk-task').first().locator('path.walk-prediction')).toHaveCount(1);
  await expect(walk(page).locator('.walk-query')).toHaveCount(0);

  await page.keyboard.press('ArrowRight');
  await expect(announcement(page)).toContainText(
    /Phase 2 of 5, Inner loop: 1 inner SGD step per task; mean support loss [\d.e+-]+ before, [\d.e+-]+ after\./,
  );
  await expect(currentLine(page)).toContainText('θ′ᵢ = θ − α ∇θ L_support(θ)');
  // one prediction per inner step (θ and after the step), support points lit, paths in the θ plane
  await expect(walk(page).locator('.walk-task').first().locator('path.walk-prediction')).toHaveCount(2);
  await expect(walk(page).locator('circle.walk-support.lit').first()).toBeVisible();
  await expect(walk(page).locator('[data-walk-path]')).toHaveCount(6);

  await page.keyboard.press('ArrowRight');
  await expect(announcement(page)).toContainText(/Phase 3 of 5, Query loss: .* meta-loss, is [\d.e+-]+\./);
  await expect(walk(page).locator('path.walk-query.lit').first()).toBeVisible();
  await expect(page.getByTestId('walk-numbers')).toContainText('meta-loss (mean query loss)');

  await page.keyboard.press('ArrowRight');
  await expect(announcement(page)).toContainText(
    /Phase 4 of 5, Meta-gradient: \|g\| = [\d.e+-]+; the second-order correction turns it by [\d.e+-]+ degrees/,
  );
  await expect(currentLine(page)).toContainText('second order');
  // MAML: −g, −g₁ and the correction, each named in words (not only by colour)
  await expect(walk(page).locator('line.walk-arrow')).toHaveCount(3);
  await expect(walk(page).locator('.walk-arrow-keys li')).toHaveText([
    /−g \(what Adam receives\): \|·\| = /,
    /−g₁ first order: \|·\| = /,
    /second-order correction: \|·\| = /,
  ]);
  // still at step 3: nothing was applied yet
  expect(await readStep(page)).toBe(3);

  // a link from inside the walk opens it at the same phase
  const walkLink = await copyLink(page);
  expect(new URL(walkLink).searchParams.get('walk')).toBe('1');
  expect(new URL(walkLink).searchParams.get('phase')).toBe('4');

  await page.keyboard.press('ArrowRight');
  await expect(announcement(page)).toContainText(
    /Phase 5 of 5, Update θ: θ moved by [\d.e+-]+; the run is now at step 4\./,
  );
  await expect(status(page)).toContainText('step 4 ');
  await expect(walk(page).locator('circle.walk-theta-after')).toBeVisible();
  await page.screenshot({ path: 'test-results/walkthrough-update.png', fullPage: false });
  const walked = new URL(await copyLink(page, walkLink)).hash;
  expect(walked.startsWith('#theta=')).toBe(true);

  // Esc leaves; training stays paused at step 4
  await page.keyboard.press('Escape');
  await expect(walk(page)).toHaveCount(0);
  expect(await readStep(page)).toBe(4);

  // the same run with four plain Steps (another profile: nothing saved there to resume) has the
  // very same θ, baseline and loss history in its link
  const profile = await browser.newContext();
  const plain = await profile.newPage();
  await plain.goto(url);
  await waitReady(plain, /wasm/);
  await stepTo(plain, 4);
  expect(new URL(await copyLink(plain)).hash).toBe(walked);
  await profile.close();

  // the link made at phase 4 opens the walk at the meta-gradient of step 4, θ of step 3
  const shared = await context.newPage();
  await shared.goto(walkLink);
  await expect(walk(shared)).toHaveAttribute('data-phase', '4', { timeout: 60_000 });
  await expect(announcement(shared)).toContainText('Phase 4 of 5, Meta-gradient', { timeout: 30_000 });
  await expect(currentLine(shared)).toContainText('Meta-gradient g');
  expect(await readStep(shared)).toBe(3);
  await shared.close();
  expect(errors).toEqual([]);
});

test('Reptile on function mixtures: the walk shows its direction instead of a gradient; a bad phase in a link is explained', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const errors = collectErrors(page);
  await page.goto('./?task=mixture&algo=reptile&inner=2&batch=8&walk=1&phase=9');
  await expect(page.getByText(/phase=9: a link opens the walk-through at phases 1-4/)).toBeVisible({
    timeout: 60_000,
  });
  await expect(walk(page)).toHaveAttribute('data-phase', '4', { timeout: 60_000 });
  await expect(announcement(page)).toContainText(/Phase 4 of 5, Meta-gradient: length [\d.e+-]+\./, {
    timeout: 30_000,
  });
  await expect(currentLine(page)).toContainText('d = θ − mean θ′ᵢ');
  await expect(walk(page).locator('line.walk-arrow')).toHaveCount(1);
  // two inner steps: three predictions per task in the inner-loop phase
  await walk(page).getByRole('button', { name: '2. Inner loop' }).click();
  await expect(walk(page).locator('.walk-task').first().locator('path.walk-prediction')).toHaveCount(3);
  // the button beside Step is disabled while walking; Close leaves
  await expect(page.getByRole('button', { name: 'Walk through one meta-step' })).toBeDisabled();
  await walk(page).getByRole('button', { name: 'Close' }).click();
  await expect(walk(page)).toHaveCount(0);
  await page.getByRole('button', { name: 'Walk through one meta-step' }).click();
  await expect(announcement(page)).toContainText('Phase 1 of 5, Sample tasks: 8 tasks', { timeout: 30_000 });
  expect(errors).toEqual([]);
});

for (const [algo, gradientLine, arrows] of [
  ['fomaml', 'First-order meta-gradient g₁', 1],
  ['metasgd', 'Gradients of the meta-loss with respect to θ and to α', 1],
] as const) {
  test(`the walk-through for ${algo}: its own algorithm lines, and the update is one step`, async ({
    page,
  }) => {
    test.setTimeout(90_000);
    const errors = collectErrors(page);
    await page.goto(`./?algo=${algo}&batch=6&seed=9&backend=wasm`);
    await waitReady(page, /wasm/);
    await page.keyboard.press('w');
    await expect(announcement(page)).toContainText(
      'Phase 1 of 5, Sample tasks: 6 tasks drawn for meta-step 1',
      {
        timeout: 30_000,
      },
    );
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    await expect(walk(page)).toHaveAttribute('data-phase', '4');
    await expect(currentLine(page)).toContainText(gradientLine);
    await expect(walk(page).locator('line.walk-arrow')).toHaveCount(arrows);
    if (algo === 'metasgd') await expect(page.getByTestId('walk-numbers')).toContainText('|g_α|');
    await page.keyboard.press('ArrowRight');
    await expect(announcement(page)).toContainText('the run is now at step 1.');
    await expect(status(page)).toContainText('step 1 ');
    expect(errors).toEqual([]);
  });
}
