import { expect, test } from '@playwright/test';
import { decodeWeights, encodeWeights } from '../src/ui/shell/thetaCodec';
import { binSeries, Series, SERIES_CAPACITY, smooth } from '../src/ui/kit/series';
import { readLink as readPageLink, shareUrl } from '../src/ui/shell/url';
import { GLYPH_LINK_RULES, MAX_GLYPH_REPLAY_STEPS } from '../src/ui/families/glyphs/linkRules';
import { REGRESSION_LINK_RULES } from '../src/ui/families/regression/linkRules';

/** the page's families' link rules (the page reads them from its installed families) */
const LINKS = { sinusoid: REGRESSION_LINK_RULES, mixture: REGRESSION_LINK_RULES, glyphs: GLYPH_LINK_RULES };
const readLink = (search: string, hash: string) => readPageLink(search, hash, LINKS);
import { DEFAULT_EXPERIMENT } from '../src/core/experiment';

// Pure page logic, run in Node by the same runner (no browser needed).

const weights = (p: number) => ({
  step: 123,
  theta: Float32Array.from({ length: p }, (_, i) => Math.sin(i) * 0.3),
  pretrained: Float32Array.from({ length: p }, (_, i) => Math.cos(i) * 0.2),
  alpha: null,
  lastLoss: 0.4321,
  historySteps: Float32Array.from([1, 50, 123]),
  historyLosses: Float32Array.from([4.1, 1.5, 0.43]),
});

test('θ survives the fragment codec bit for bit', async () => {
  const w = weights(1761);
  const text = await encodeWeights(w);
  expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
  const back = await decodeWeights(text, { params: 1761, maxStep: 1e6 });
  expect(back.step).toBe(123);
  expect(Array.from(back.theta)).toEqual(Array.from(w.theta));
  expect(Array.from(back.pretrained ?? [])).toEqual(Array.from(w.pretrained));
  expect(back.alpha).toBeNull();
  expect(back.lastLoss).toBeCloseTo(0.4321, 6);
  expect(Array.from(back.historyLosses)).toEqual(Array.from(w.historyLosses));
});

test('the codec rejects wrong sizes, non-finite values and garbage', async () => {
  const text = await encodeWeights(weights(100));
  await expect(decodeWeights(text, { params: 1761, maxStep: 1e6 })).rejects.toThrow('has 100 parameters');
  await expect(decodeWeights(text, { params: 100, maxStep: 10 })).rejects.toThrow('beyond 10');
  const bad = weights(100);
  bad.theta[7] = NaN;
  await expect(decodeWeights(await encodeWeights(bad), { params: 100, maxStep: 1e6 })).rejects.toThrow(
    'not finite',
  );
  await expect(decodeWeights('%%%', { params: 100, maxStep: 1e6 })).rejects.toThrow('cannot be read');
  await expect(decodeWeights('AAAA', { params: 100, maxStep: 1e6 })).rejects.toThrow();
  await expect(
    decodeWeights(text.slice(0, text.length - 9), { params: 100, maxStep: 1e6 }),
  ).rejects.toThrow();
});

test('links: the page keys are read and validated next to the experiment', () => {
  const ok = readLink('?alpha=0.02&step=40&backend=wasm', '#theta=abc');
  expect(ok.config.alpha).toBe(0.02);
  expect(ok.step).toBe(40);
  expect(ok.backend).toBe('wasm');
  expect(ok.weights).toBe('abc');
  expect(ok.warnings).toEqual([]);
  const bad = readLink('?step=2.5&backend=tpu', '');
  expect(bad.step).toBe(3);
  expect(bad.backend).toBe('auto');
  expect(bad.warnings).toEqual([
    'backend=tpu is not one of webgpu, wasm, cpu, auto; using auto',
    'step=2.5 must be a whole number; rounded to 3',
  ]);
  const url = shareUrl('http://localhost:4173/x/?old=1#y', DEFAULT_EXPERIMENT, 'auto', 9, 'W');
  expect(url).toBe(
    'http://localhost:4173/x/?task=sinusoid&algo=maml&alpha=0.01&beta=0.001&inner=1&k=10&query=10&batch=25&hidden=40,40&seed=1&step=9#theta=W',
  );
  const back = readLink(new URL(url).search, new URL(url).hash);
  expect(back.config).toEqual({ ...DEFAULT_EXPERIMENT, hidden: [40, 40] });
  expect(back.step).toBe(9);
  expect(back.walkPhase).toBeNull();
  // links into the walk-through: phases 1-4 (the update takes a step), explained when changed
  const walk = shareUrl('http://localhost:4173/', DEFAULT_EXPERIMENT, 'auto', 9, 'W', null, 3);
  expect(new URL(walk).search).toMatch(/&step=9&walk=1&phase=3$/);
  expect(readLink(new URL(walk).search, '').walkPhase).toBe(3);
  expect(readLink('?walk=1', '').walkPhase).toBe(1);
  const badWalk = readLink('?walk=1&phase=2.5', '');
  expect([badWalk.walkPhase, badWalk.warnings]).toEqual([
    3,
    ['phase=2.5 is not a phase from 1 to 4; opening at phase 3'],
  ]);
  expect(readLink('?phase=2', '').warnings).toEqual(['phase=2 needs walk=1; ignored it']);
  expect(readLink('?task=glyphs&walk=1&phase=2', '').walkPhase).toBe(2);
  // glyph links: where the run started, and a shorter replay cap (a glyph meta-step takes a second)
  const glyph = readLink('?task=glyphs&step=3&from=Shipped', '');
  expect([glyph.from, glyph.step, glyph.warnings]).toEqual(['shipped', 3, []]);
  const badGlyph = readLink('?task=glyphs&step=999999&from=elsewhere', '');
  expect(badGlyph.from).toBeNull();
  expect(badGlyph.step).toBe(MAX_GLYPH_REPLAY_STEPS);
  expect(badGlyph.warnings).toEqual([
    "from=elsewhere is not shipped or random; using the page's default",
    `step=999999 is outside [0, ${MAX_GLYPH_REPLAY_STEPS}]; clamped to ${MAX_GLYPH_REPLAY_STEPS}`,
  ]);
  // the sinusoid page has no use for it: ignored there
  expect(readLink('?from=shipped', '').from).toBeNull();
  const glyphUrl = shareUrl('http://h/', glyph.config, 'wasm', 3, null, 'random');
  expect(readLink(new URL(glyphUrl).search, '')).toMatchObject({ step: 3, from: 'random', backend: 'wasm' });
});

test('TensorBoard smoothing is debiased and binning keeps the envelope', () => {
  expect(Array.from(smooth([2, 2, 2], 3, 0.9))).toEqual([2, 2, 2].map((v) => Math.fround(v)));
  const s = smooth([1, 3], 2, 0.5);
  expect(s[0]).toBeCloseTo(1, 6);
  // (0.5·1·0.5 + 0.5·3) / (1 − 0.25) = 1.75 / 0.75
  expect(s[1]).toBeCloseTo(1.75 / 0.75, 5);
  const steps = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
  const values = Float32Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? 1 : 3));
  const b = binSeries(steps, values, 1000, 10);
  expect(b.x).toHaveLength(10);
  expect(b.min.every((v) => v === 1)).toBe(true);
  expect(b.max.every((v) => v === 3)).toBe(true);
  expect(b.mean.every((v) => Math.abs(v - 2) < 1e-9)).toBe(true);
});

test('a long series halves its resolution instead of growing: bounded entries, envelope and mean kept', () => {
  const series = new Series();
  const n = 200_000;
  for (let i = 1; i <= n; i++) series.push(i, i % 2 === 0 ? 1 : 3);
  expect(series.length).toBeLessThanOrEqual(SERIES_CAPACITY);
  expect(series.length).toBeGreaterThan(SERIES_CAPACITY / 4);
  expect(series.stride).toBeGreaterThan(1);
  expect(series.steps[series.length - 1]).toBeLessThanOrEqual(n);
  expect(series.steps[series.length - 1]).toBeGreaterThan(n - series.stride);
  const b = binSeries(series.steps, series.values, series.length, 10, series.lows, series.highs);
  expect(b.min.every((v) => v === 1)).toBe(true);
  expect(b.max.every((v) => v === 3)).toBe(true);
  expect(b.mean.every((v) => Math.abs(v - 2) < 1e-3)).toBe(true);
  series.truncateAfter(1000);
  expect(series.steps[series.length - 1]).toBeLessThanOrEqual(1000);
});
