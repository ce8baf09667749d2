import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeGlyphTheta, GlyphRun } from '../src/core/families/glyphs/run';
import { startBackend } from './helpers';

/**
 * The meta-trained glyph θ shipped in public/ (made by the command in the README) must load and
 * reach the documented accuracy: 95.9% 5-way 1-shot on 200 held-out-alphabet tasks after one
 * inner step. Here 40 of those tasks, so a little slack for the smaller sample. The file also
 * carries the pretrained baseline trained beside it (51.8% after one step, 87.3% after five), so
 * the page compares the shipped θ with a trained baseline rather than an untrained one.
 */
describe('shipped glyph initialisation', () => {
  it('loads and classifies held-out alphabets after one inner step', async () => {
    await startBackend('wasm');
    const text = readFileSync(new URL('../public/glyph-init.json', import.meta.url), 'utf8');
    const saved = decodeGlyphTheta(text);
    expect(saved.config).toMatchObject({ task: 'glyphs', ways: 5, k: 1, net: 'conv', filters: 32 });
    expect(saved.step).toBe(2000);
    expect(saved.pretrained?.step).toBe(2000);
    const run = new GlyphRun(saved.config, {
      theta: saved.theta,
      pretrainedTheta: { theta: saved.pretrained!.body, step: saved.pretrained!.step },
    });
    const curves = await run.evaluate({ tasks: 40, steps: 1, seed: 2017 });
    run.dispose();
    const maml = curves.maml!.accuracy;
    const random = curves.random!.accuracy;
    const pretrained = curves.pretrained!.accuracy;
    expect(pretrained[1]).toBeGreaterThan(0.45);
    expect(pretrained[1]).toBeGreaterThan(random[1] as number);
    expect((maml[1] as number) - (pretrained[1] as number)).toBeGreaterThan(0.2);
    expect(maml[0]).toBeLessThan(0.35); // before adapting, a fresh task's labels are a guess
    expect(maml[1]).toBeGreaterThanOrEqual(0.93);
    expect((maml[1] as number) - (random[1] as number)).toBeGreaterThan(0.2);
  });

  it("the paper network's θ (public/glyph-init-paper.json, 4 × 64 filters) reaches its documented accuracy", async () => {
    // 98.9% ± 0.4% on 600 tasks (docs/benchmarks.md#glyphs-paper); here 40 tasks, 1 query per class
    await startBackend('wasm');
    const text = readFileSync(new URL('../public/glyph-init-paper.json', import.meta.url), 'utf8');
    const saved = decodeGlyphTheta(text);
    expect(saved.config).toMatchObject({
      task: 'glyphs',
      ways: 5,
      k: 1,
      net: 'conv',
      filters: 64,
      batch: 32,
    });
    expect(saved.step).toBe(3340);
    const run = new GlyphRun(saved.config, {
      theta: saved.theta,
      pretrainedTheta: { theta: saved.pretrained!.body, step: saved.pretrained!.step },
    });
    const curves = await run.evaluate({ tasks: 40, steps: 1, seed: 2017 });
    run.dispose();
    expect(curves.maml!.accuracy[0]).toBeLessThan(0.35);
    expect(curves.maml!.accuracy[1]).toBeGreaterThanOrEqual(0.95);
    expect((curves.maml!.accuracy[1] as number) - (curves.pretrained!.accuracy[1] as number)).toBeGreaterThan(
      0.2,
    );
  });
});
