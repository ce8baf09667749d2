import { beforeAll, describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
import { loadFusedGlyph } from '../src/core/engines/fusedGlyph/wasmModule';
import { GlyphEvaluation } from '../src/core/families/glyphs/evaluation';
import { GlyphRun } from '../src/core/families/glyphs/run';
import { CLASSIFIER_BUDGET } from '../src/worker/host/backendPlan';
import { raceBackends } from '../src/worker/race';
import type { Engine } from '../src/worker/protocol';
import { bytes, startBackend, train } from './helpers';
import { relError } from './fusedGlyphReference';

/**
 * A MAML++ glyph run on the fused WebAssembly engine: the same losses as the run on tfjs kernels
 * through the schedules' switches, a bit-identical resume from its training state, and its
 * evaluation scored on the fused engine with the learned rates per step and the batch-norm sets
 * (past the 10 kept steps, where the sets come round again) equal to the tfjs adaptation curves.
 * The conv net only: the fc net of this small link (batch norm over 3 support images, α 0.3) is so
 * ill-conditioned that plain MAML's first loss already differs by 2% between the fused engine
 * and tfjs; the fc net's MAML++ is checked on better-conditioned settings in fusedGlyphMamlpp.
 */

const link =
  'task=glyphs&algo=mamlpp&ways=3&k=1&query=2&batch=2&filters=4&inner=2&msl=3&firstOrder=2&span=6&alpha=0.3';
const config = (net: string) => parseExperiment(`${link}&net=${net}`).config;

async function losses(run: GlyphRun, steps: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { meta, pretrained } = run.step();
    out.push((await meta.data())[0] as number);
    meta.dispose();
    pretrained?.dispose();
  }
  return out;
}

describe('MAML++ glyph runs on the fused WebAssembly engine', () => {
  beforeAll(async () => {
    await startBackend('cpu');
    await loadFusedGlyph();
  });

  for (const net of ['conv']) {
    it(`${net}: trains as the tfjs run does, and its fused evaluation equals the tfjs one`, async () => {
      const c = config(net);
      const fused = new GlyphRun(c, { engine: 'fused', pretrained: false });
      const ref = new GlyphRun(c, { pretrained: false });
      expect([fused.engine, ref.engine]).toEqual(['fused', 'tfjs']);
      const [a, b] = [await losses(fused, 6), await losses(ref, 6)];
      a.forEach((l, i) => expect(Math.abs(l - (b[i] as number))).toBeLessThan(1e-3 * (b[i] as number)));
      // the same state on both engines, scored on each
      ref.restoreState(await fused.exportState());
      const p = { tasks: 4, steps: 12, seed: 9, chunk: 4 };
      const [ef, et] = [new GlyphEvaluation(fused, p), new GlyphEvaluation(ref, p)];
      expect([ef.engine, et.engine]).toEqual(['fused', 'tfjs']);
      while (!ef.finished) await ef.next();
      while (!et.finished) await et.next();
      const [rf, rt] = [ef.result(), et.result()];
      for (const name of ['maml', 'random']) {
        const [f, t] = [rf[name], rt[name]];
        if (!f || !t) throw new Error(`no ${name} curve`);
        expect(relError(f.loss, t.loss)).toBeLessThan(1e-4);
        // the same share of right answers per task; the means differ only in f32 round-off
        f.accuracy.forEach((v, i) => expect(Math.abs(v - (t.accuracy[i] as number))).toBeLessThan(1e-6));
      }
      [ef, et].forEach((e) => e.dispose());
      [fused, ref].forEach((r) => r.dispose());
    });
  }

  it('resumes bit for bit from its training state', async () => {
    const c = config('conv');
    const whole = new GlyphRun(c, { engine: 'fused', pretrained: false });
    await train(whole, 6);
    const half = new GlyphRun(c, { engine: 'fused', pretrained: false });
    await train(half, 3);
    const resumed = new GlyphRun(c, { engine: 'fused', pretrained: false });
    resumed.restoreState(await half.exportState());
    await train(resumed, 3);
    const [x, y] = [await whole.exportState(), await resumed.exportState()];
    expect(bytes(y.theta)).toEqual(bytes(x.theta));
    expect(bytes(y.alpha)).toEqual(bytes(x.alpha));
    expect(bytes(y.alphaAdam?.v ?? null)).toEqual(bytes(x.alphaAdam?.v ?? null));
    [whole, half, resumed].forEach((r) => r.dispose());
  });

  it("auto's race picks the fused WebAssembly engine for a glyph MAML++ link", async () => {
    await startBackend('wasm');
    const c = config('conv');
    const made: string[] = [];
    const makeRun = (engine: Engine) => {
      made.push(engine);
      return new GlyphRun(c, { engine, pretrained: false });
    };
    const contenders = { fused: true, fusedWebgpu: false, webgpu: false };
    const choice = await raceBackends(makeRun, 'wasm', CLASSIFIER_BUDGET, contenders);
    expect(made[0]).toBe('fused');
    expect(choice.winner).toMatchObject({ backend: 'wasm', engine: 'fused' });
    // the fused contender really trained on the fused engine (measured about 95× the tfjs rate)
    const rate = (engine: string) => choice.entries.find((e) => e.engine === engine)?.rate ?? 0;
    expect(rate('fused')).toBeGreaterThan(5 * rate('tfjs'));
    await startBackend('cpu');
  }, 120_000);
});
