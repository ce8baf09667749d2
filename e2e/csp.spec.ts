import { expect, test } from '@playwright/test';
import { collectErrors, readStep, status, waitReady, waitStepAtLeast, recordViolations } from './helpers';

test('a strict CSP (no eval, no inline scripts, own origin only) holds while loading and training on wasm, cpu and the glyph lab', async ({
  page,
  request,
}) => {
  test.setTimeout(150_000);
  const errors = collectErrors(page);
  const violations = await recordViolations(page);
  const response = await page.goto('./');
  // sent as a header by npm start, and carried by the built page itself for any static host
  const header = response?.headers()['content-security-policy'] ?? '';
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  for (const policy of [header, meta ?? '']) {
    expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("worker-src 'self'");
    expect(policy).not.toMatch(/(^|\s)'unsafe-eval'/);
    expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  }
  await waitReady(page, /wasm/);
  await page.getByRole('button', { name: 'Play' }).click();
  await waitStepAtLeast(page, 30);
  await page.getByRole('button', { name: 'Pause' }).click();
  expect(await violations()).toEqual([]);

  // the plain JavaScript backend
  await page.goto('./?backend=cpu&seed=4');
  await waitReady(page, /cpu/);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect(status(page)).toContainText('step 1 ');
  expect(await violations()).toEqual([]);

  // the glyph lab: its lazily loaded views, the shipped θ, a meta-step of the conv net
  await page.goto('./?task=glyphs&ways=3&batch=1&query=1&filters=8');
  await waitReady(page, /wasm/);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => readStep(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId('support-grid').getByRole('img')).toHaveCount(3, { timeout: 30_000 });
  expect(await violations()).toEqual([]);
  expect(errors).toEqual([]);

  // share cards and crawlers: the preview image and robots.txt are real files, not the page
  const card = await request.get('./social-card.png');
  expect(card.headers()['content-type']).toBe('image/png');
  const robots = await request.get('./robots.txt');
  expect(await robots.text()).toContain('User-agent: *');
});
