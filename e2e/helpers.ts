import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { mlpParameterCount } from '../src/core/experiment';
import { decodeWeights } from '../src/ui/shell/thetaCodec';
import { readLink } from '../src/ui/shell/url';
import { REGRESSION_LINK_RULES } from '../src/ui/families/regression/linkRules';

/** the regression pages' link rules (the test runner installs no page families) */
const REGRESSION_LINKS = { sinusoid: REGRESSION_LINK_RULES, mixture: REGRESSION_LINK_RULES };

/**
 * Console errors and uncaught exceptions, collected for a final check. The page's console event
 * also carries its dedicated workers' messages.
 */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** Every request (page and workers) whose origin is not the app's own. */
export function collectForeignRequests(context: BrowserContext, baseURL: string): string[] {
  const origin = new URL(baseURL).origin;
  const foreign: string[] = [];
  context.on('request', (r) => {
    const url = r.url();
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    if (new URL(url).origin !== origin) foreign.push(url);
  });
  return foreign;
}

export const status = (page: Page) => page.getByRole('status');

export async function readStep(page: Page): Promise<number> {
  const text = (await status(page).textContent()) ?? '';
  const m = /step (\d+)/.exec(text);
  if (!m) throw new Error(`no step in status "${text}"`);
  return Number(m[1]);
}

/** Wait until the worker has started and reports a backend. */
export async function waitReady(page: Page, backend: RegExp = /wasm|webgpu|cpu/): Promise<void> {
  await expect(status(page)).toContainText(backend, { timeout: 60_000 });
  await expect(page.getByRole('button', { name: 'Step', exact: true })).toBeEnabled({ timeout: 60_000 });
}

export async function waitStepAtLeast(page: Page, n: number, timeout = 60_000): Promise<number> {
  await expect.poll(() => readStep(page), { timeout }).toBeGreaterThanOrEqual(n);
  return readStep(page);
}

export const readout = (page: Page, name: 'step' | 'backend' | 'loss' | 'eval') =>
  page.locator(`[data-readout="${name}"]`);

/** Train from a paused page until at least `steps`, then pause and wait for the final readouts. */
export async function trainTo(page: Page, steps: number): Promise<number> {
  await page.getByRole('button', { name: 'Play' }).click();
  await waitStepAtLeast(page, steps);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(status(page)).toContainText('paused');
  // the last report and the evaluation of the final θ arrive shortly after the pause
  await expect
    .poll(async () => {
      const n = await readStep(page);
      return ((await readout(page, 'eval').textContent()) ?? '').endsWith(`@ step ${n}`);
    })
    .toBe(true);
  return readStep(page);
}

/**
 * Train for up to `maxMs` (at least `minSteps`, at most `maxSteps`), then pause: as much training
 * as the machine allows in a fixed time, so a loaded machine gives a less trained but still
 * valid state instead of a timeout.
 */
export async function trainFor(
  page: Page,
  { minSteps, maxSteps, maxMs }: { minSteps: number; maxSteps: number; maxMs: number },
): Promise<number> {
  await page.getByRole('button', { name: 'Play' }).click();
  const t0 = Date.now();
  await expect
    .poll(
      async () => {
        const step = await readStep(page);
        return step >= maxSteps || (step >= minSteps && Date.now() - t0 >= maxMs);
      },
      { timeout: maxMs + 60_000 },
    )
    .toBe(true);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(status(page)).toContainText('paused');
  await expect
    .poll(async () => {
      const n = await readStep(page);
      return ((await readout(page, 'eval').textContent()) ?? '').endsWith(`@ step ${n}`);
    })
    .toBe(true);
  return readStep(page);
}

/** The longest main-thread task (ms) the page reports while `ms` milliseconds pass. */
export async function longestTaskDuring(page: Page, ms: number): Promise<number> {
  return (await watchMainThread(page, ms)).longest;
}

/**
 * The longest main-thread task (ms) while `ms` milliseconds pass, and what the slow animation
 * frames of that time held (their scripts, with the style, layout and paint after them), so a
 * failing check says where the time went.
 */
export function watchMainThread(page: Page, ms: number): Promise<{ longest: number; slowFrames: string[] }> {
  return page.evaluate(
    (wait) =>
      new Promise<{ longest: number; slowFrames: string[] }>((resolve) => {
        let longest = 0;
        const slowFrames: string[] = [];
        const t0 = performance.now();
        const tasks = new PerformanceObserver((list) => {
          for (const e of list.getEntries()) longest = Math.max(longest, e.duration);
        });
        tasks.observe({ type: 'longtask' });
        type Script = {
          duration: number;
          invoker: string;
          sourceFunctionName: string;
          sourceURL: string;
          forcedStyleAndLayoutDuration: number;
        };
        type Frame = PerformanceEntry & {
          renderStart: number;
          styleAndLayoutStart: number;
          scripts: Script[];
        };
        const frames = new PerformanceObserver((list) => {
          for (const e of list.getEntries() as Frame[]) {
            const end = e.startTime + e.duration;
            const ms = (x: number) => Math.round(x);
            const scripts = e.scripts
              .filter((s) => s.duration >= 2)
              .map(
                (s) =>
                  `${s.invoker} ${s.sourceFunctionName || '?'}@${s.sourceURL.split('/').pop() ?? ''} ${ms(s.duration)} ms` +
                  (s.forcedStyleAndLayoutDuration >= 1
                    ? ` (forced layout ${ms(s.forcedStyleAndLayoutDuration)})`
                    : ''),
              );
            slowFrames.push(
              `at ${ms(e.startTime - t0)} ms: ${ms(e.duration)} ms, rendering ${e.renderStart ? ms(end - e.renderStart) : 0}` +
                ` (style+layout+paint ${e.styleAndLayoutStart ? ms(end - e.styleAndLayoutStart) : 0}); ` +
                (scripts.join('; ') || 'no script over 2 ms'),
            );
          }
        });
        // not every Chromium has long-animation-frame entries; the long tasks alone still decide
        try {
          frames.observe({ type: 'long-animation-frame' });
        } catch {
          /* only the details are lost */
        }
        setTimeout(() => {
          tasks.disconnect();
          frames.disconnect();
          resolve({ longest, slowFrames });
        }, wait);
      }),
    ms,
  );
}

/** Every Content-Security-Policy violation the page reports, from the first script on. */
export async function recordViolations(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(`${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'}`),
    );
  });
  return () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
}

/**
 * Click "Copy share link" and read the link. The field keeps the last link until the new one is
 * made, so a second link on the same page names the first (`previous`) and waits until it changed.
 */
export async function copyLink(page: Page, previous?: string): Promise<string> {
  await page.getByRole('button', { name: 'Copy share link' }).click();
  const field = page.getByLabel('Share link');
  await expect(field).not.toHaveValue('');
  if (previous !== undefined) await expect(field).not.toHaveValue(previous);
  return field.inputValue();
}

/**
 * The weights a share link carries in its `#theta=` fragment (an MLP family's θ, the pretrained
 * baseline's θ and Meta-SGD's α, float32 as the worker held them), read by the page's own codec.
 * Compared with toEqual they are equal to the bit: the codec keeps every float32 and refuses
 * non-finite values.
 */
export async function linkWeights(
  link: string,
): Promise<{ step: number; theta: number[]; pretrained: number[] | null; alpha: number[] | null }> {
  const url = new URL(link);
  const { config, weights } = readLink(url.search, url.hash, REGRESSION_LINKS);
  if (!weights) throw new Error(`the link carries no θ: ${link.slice(0, 120)}`);
  const w = await decodeWeights(weights, {
    params: mlpParameterCount(config),
    maxStep: Number.MAX_SAFE_INTEGER,
  });
  const list = (a: Float32Array | null) => (a ? Array.from(a) : null);
  return { step: w.step, theta: Array.from(w.theta), pretrained: list(w.pretrained), alpha: list(w.alpha) };
}

/**
 * The weights of a share link made now (the worker's θ at this moment): the field is cleared first
 * through the page's debugging handle, so an unchanged link cannot pass for a new one. The worker
 * answers after the work it has queued (a new backend's first evaluation), hence the long wait.
 */
export async function weightsNow(page: Page): ReturnType<typeof linkWeights> {
  await page.evaluate(() =>
    (window as unknown as { maml: { store: { setState(s: { share: null }): void } } }).maml.store.setState({
      share: null,
    }),
  );
  const field = page.getByLabel('Share link');
  await expect(field).toHaveValue('');
  await page.getByRole('button', { name: 'Copy share link' }).click({ timeout: 90_000 });
  await expect(field).not.toHaveValue('', { timeout: 90_000 });
  return linkWeights(await field.inputValue());
}

/**
 * Open `path`, press Play, and watch the main thread for `watchMs` while the worker trains: the
 * longest task goes into the report (so a pass also says how much room was left) and must stay
 * at or under 50 ms; the run must have trained all along.
 */
export async function watchTraining(
  page: Page,
  path: string,
  backend: RegExp,
  minSteps: number,
  watchMs: number,
  /** what the page must have finished opening before Play (the watch is of training, not start-up) */
  settled?: (page: Page) => Promise<void>,
  /** the longest main-thread task allowed (ms): the house's 50 unless a page's own check says why */
  limitMs = 50,
): Promise<void> {
  test.setTimeout(watchMs + 120_000);
  await page.goto(path);
  await waitReady(page, backend);
  await settled?.(page);
  const before = await readStep(page);
  await page.getByRole('button', { name: 'Play' }).click();
  await expect(status(page)).toContainText('training');
  const from = await waitStepAtLeast(page, before + 1);
  const { longest, slowFrames } = await watchMainThread(page, watchMs);
  const trained = (await readStep(page)) - from;
  test.info().annotations.push({ type: 'longest main-thread task (ms)', description: String(longest) });
  console.log(
    `${path}: longest main-thread task over ${watchMs / 1000} s of training: ${longest} ms (${trained} steps)`,
  );
  // animation frames over 50 ms (a frame can span several short tasks): what they held
  for (const frame of slowFrames) console.log(`  slow frame ${frame}`);
  await expect(status(page)).toContainText(backend);
  expect(trained).toBeGreaterThanOrEqual(minSteps);
  expect(longest).toBeLessThanOrEqual(limitMs);
}

/**
 * The engine check's three glyph-run faults (src/engineCheck/glyphRunCheck.ts fallbacks): an
 * over-limit network and a shader that does not compile each train on tfjs kernels with the
 * reason; a fallback mid-run keeps θ and the step.
 */
export function expectGlyphFallbacks(
  rows: readonly { engine: string; reason: string | null; kept: boolean; trains: boolean }[],
): void {
  const [over, broken, mid] = rows;
  expect(over).toMatchObject({ engine: 'tfjs', trains: true });
  expect(over!.reason).toMatch(/storage binding limit/);
  expect(broken).toMatchObject({ engine: 'tfjs', trains: true });
  expect(broken!.reason).toMatch(/failed to compile.*notDeclaredAnywhere/s);
  expect(mid).toMatchObject({ engine: 'tfjs', reason: 'a test reason', kept: true, trains: true });
}
