import { expect, test, type Page } from '@playwright/test';
import { watchTraining } from './helpers';

/** The glyph lab has opened: its shipped θ (where there is one) loaded and its first task shown. */
async function glyphLabOpened(page: Page): Promise<void> {
  await expect(page.getByTestId('shipped-status')).not.toContainText('looking', { timeout: 30_000 });
  if (!(await page.getByTestId('shipped-status').textContent())?.includes('No shipped θ')) {
    await expect(page.getByTestId('theta-source')).toContainText('shipped', { timeout: 30_000 });
  }
  await expect(page.getByTestId('support-grid').getByRole('img').first()).toBeVisible({ timeout: 30_000 });
}

// Playwright's trace recording (screencast, snapshots) runs on the page's own main thread: a test
// that measures the page's long tasks must not measure the recorder's.
test.use({ trace: 'off' });

test('the main thread has no long tasks over 50 ms while training (auto, 5 s)', async ({ page }) => {
  await watchTraining(page, './', /wasm/, 30, 5_000);
});

// Known gaps (issue 10), measured 2026-11-28 on the 2-core machine, so marked fixme rather than
// left out. 30 s on auto (the fused engine) and on tfjs-wasm: 0 ms in 14 runs of 14 after the
// frame scheduler began counting rendering in a draw's cost, then 50-51 ms in 3 runs of the next
// 6; the worst tasks sit at the threshold. Rerun after the first autosave's long task was taken
// apart (formatters made once, the shelf not re-parsing the page's own saves): auto 0 ms in 10 of
// 10, tfjs-wasm 0 ms in 9 of 10 and 57 ms in one. Rerun with the slow-frame report (2026-11-28, a
// machine with about 50% CPU steal): auto 0 ms in 10 of 10, tfjs-wasm 0 ms in 10 of 10. They stay
// fixme because the 5 s check above, on auto, saw 56 ms once in a full fresh-clone run, while in
// 25 runs of it alone or beside one or two busy processes its worst was 50 ms, once; its report now
// says what such a frame held. On tfjs-cpu the longest task was 83 ms in one run and
// 0 ms in another (the worker's JavaScript kernels take one core, the page's rendering competes
// for the other). The glyph lab, watched once it has opened (shipped θ loaded, first task shown):
// 0 ms in 13 runs of 14 and 51 ms in one, with its evaluation arriving in pieces meanwhile; what
// it measured before, 73-132 ms, was the page still opening. WebGPU on SwiftShader: see
// longtasks.webgpu.spec.ts.
test.fixme('sinusoids, auto: no main-thread task over 50 ms in 30 s of training', async ({ page }) => {
  await watchTraining(page, './', /wasm/, 300, 30_000);
});

test.fixme('sinusoids on tfjs wasm: no main-thread task over 50 ms in 30 s of training', async ({ page }) => {
  await watchTraining(page, './?backend=wasm', /wasm/, 100, 30_000);
});

test.fixme('sinusoids on tfjs cpu: no main-thread task over 50 ms in 30 s of training', async ({ page }) => {
  await watchTraining(page, './?backend=cpu', /cpu/, 30, 30_000);
});

test.fixme('the glyph lab, auto: no main-thread task over 50 ms in 30 s of training', async ({ page }) => {
  await watchTraining(page, './?task=glyphs', /wasm|cpu/, 1, 30_000, glyphLabOpened);
});
