import { expect, test, type Page } from '@playwright/test';
import { collectErrors, readStep, status, waitReady, waitStepAtLeast } from './helpers';
import { serveDist } from './staticServer';

/**
 * Wait until the service worker is active and controls the page. The page registers it after
 * load (when idle); `ready` resolves once it is active, which is after its install has precached
 * every file. It controls pages loaded after that (no clients.claim: an update waits for Reload).
 */
async function waitControlled(page: Page): Promise<void> {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await page.reload();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
}

/** Press Play on a ready page, wait for `steps` more meta-steps, pause: the family trains here. */
async function trainsFurther(page: Page, steps: number): Promise<void> {
  const from = await readStep(page);
  await page.getByRole('button', { name: 'Play' }).click();
  await waitStepAtLeast(page, from + steps);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(status(page)).toContainText('paused');
}

test('after one visit the page loads and trains offline: every family, the glyph lab from its shipped θ', async ({
  page,
  context,
}) => {
  test.setTimeout(150_000);
  const errors = collectErrors(page);
  await page.goto('./');
  await waitReady(page, /wasm/);
  await waitControlled(page);
  // every file the page can ask for is in the precache (the app shell, workers, wasm, glyph θ)
  const cached = await page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) {
      for (const r of await (await caches.open(name)).keys()) urls.push(new URL(r.url).pathname);
    }
    return urls;
  });
  const needed = [
    /index\.html$/,
    /trainer\.worker-.*\.js$/,
    /GlyphViews-.*\.js$/,
    /\.wasm$/,
    /glyph-init\.json$/,
  ];
  expect(needed.filter((f) => !cached.some((u) => f.test(u))).map(String)).toEqual([]);

  await context.setOffline(true);
  await page.reload();
  await waitReady(page, /wasm/);
  await trainsFurther(page, 10);

  // the mixture family
  await page.goto('./?task=mixture');
  await waitReady(page, /wasm/);
  await expect(page.getByLabel('Task family')).toHaveValue('mixture');
  await trainsFurther(page, 10);

  // the glyph lab: its lazily loaded views and the shipped θ come from the cache too, and it trains on
  await page.goto('./?task=glyphs');
  await waitReady(page, /wasm/);
  await expect(page.getByTestId('theta-source')).toContainText('shipped', { timeout: 30_000 });
  await expect(page.getByTestId('support-grid').getByRole('img')).toHaveCount(5, { timeout: 30_000 });
  await expect(status(page)).toContainText('step 2000 ');
  await trainsFurther(page, 2);
  expect(errors).toEqual([]);

  // the network really is gone: a file that is not precached cannot be fetched
  const robots = await page.evaluate(() =>
    fetch('./robots.txt').then(
      (r) => r.status,
      () => 'failed',
    ),
  );
  expect(robots).toBe('failed');
});

test('a new version waits for the Reload of its notice "A new version is ready — reload"', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const errors = collectErrors(page);
  // dist/ on an origin of its own, where the test can publish a changed service worker
  const site = await serveDist();
  try {
    await page.goto(site.base);
    await waitReady(page, /wasm/);
    await waitControlled(page);
    await waitReady(page, /wasm/);
    await page.getByRole('button', { name: 'Play' }).click();
    await waitStepAtLeast(page, 5);

    // a new version: the browser's update check finds a changed sw.js, which installs and waits
    site.append.set('/sw.js', '\n// a new version\n');
    const loadedAt = await page.evaluate(() => performance.timeOrigin);
    await page.evaluate(() => navigator.serviceWorker.getRegistration().then((r) => r?.update()));
    const notice = page.getByRole('note').filter({ hasText: 'A new version is ready — reload' });
    await expect(notice).toBeVisible();
    // nothing reloads on its own while the run trains
    const step = await readStep(page);
    await waitStepAtLeast(page, step + 5);
    expect(await page.evaluate(() => performance.timeOrigin)).toBe(loadedAt);

    // Reload pauses the run, lets the new version take over and reloads the page under it
    await notice.getByRole('button', { name: 'Reload' }).click();
    await expect
      .poll(() => page.evaluate(() => performance.timeOrigin).catch(() => loadedAt), { timeout: 30_000 })
      .not.toBe(loadedAt);
    await waitReady(page, /wasm/);
    const workers = await page.evaluate(() =>
      navigator.serviceWorker
        .getRegistration()
        .then((r) => ({ waiting: r?.waiting ?? null, controlled: !!navigator.serviceWorker.controller })),
    );
    expect(workers).toEqual({ waiting: null, controlled: true });
    await expect(notice).toHaveCount(0);
    expect(errors).toEqual([]);
  } finally {
    await site.close();
  }
});
