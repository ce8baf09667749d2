import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
import { loadFusedGlyph } from '../src/core/engines/fusedGlyph/wasmModule';
import { FusedGlyphEngine, fusedGlyphSettings } from '../src/core/engines/fusedGlyph/fusedGlyph';
import { classifierFor, glyphFamily } from '../src/core/families/glyphs/family';
import { GlyphRun } from '../src/core/families/glyphs/run';
import type { GlyphEngineFaults } from '../src/core/families/glyphs/gpu';
import { GlyphEngineCheck } from '../src/worker/families/glyphEngineCheck';
import type { FromWorker } from '../src/worker/protocol';
import { bytes, copy, startBackend, train } from './helpers';

// The fused glyph engines' refusals and the fallback to tfjs kernels with a reason (issue 27, Bad
// input): the decision logic and the state carried, in Node on the fused WebAssembly engine (the
// WGSL engine's side runs on SwiftShader: e2e/fusedWebgpuGlyphRun.webgpu.spec.ts).

const small = (extra = '') => parseExperiment(`task=glyphs&ways=3&batch=2&query=2&filters=4${extra}`).config;
const setFaults = (f: GlyphEngineFaults | undefined) => {
  (globalThis as { __glyphEngineFaults?: GlyphEngineFaults }).__glyphEngineFaults = f;
};

describe('the glyph run falls back from a fused engine to tfjs with a reason', () => {
  beforeAll(async () => {
    await startBackend('cpu');
    await loadFusedGlyph();
  });
  afterEach(() => setFaults(undefined));

  it('the glyph family also runs its fused meta-step on WebGPU', () => {
    expect(glyphFamily.fusedOnWebgpu).toBe(true);
  });

  it('trains on the fused engine when it fits, with nothing to prepare and no reason', async () => {
    const run = new GlyphRun(small(), { engine: 'fused' });
    expect(run.engine).toBe('fused');
    expect(run.fallbackReason).toBeNull();
    expect(run.unprepared).toBe(false);
    await expect(run.prepare()).resolves.toBeUndefined();
    run.dispose();
  });

  it('the WebAssembly engine refuses a network and batch over its memory, with the reason', () => {
    const settings = fusedGlyphSettings(small());
    const theta = new Float32Array(classifierFor(small()).numParams);
    expect(() => FusedGlyphEngine.createSync(settings, theta, { memoryLimit: 1 << 16 })).toThrow(
      /2 tasks of 3 \+ 6 images.*need [\d.]+ MiB of WebAssembly memory, over the 0.1 MiB/,
    );
    // without the hook the same engine is built
    FusedGlyphEngine.createSync(settings, theta).dispose();
  });

  it('an over-limit network trains on tfjs from the same θ and says why, once', async () => {
    setFaults({ wasmMemoryBytes: 1 << 16 });
    const run = new GlyphRun(small(), { engine: 'fused' });
    const tfjs = new GlyphRun(small(), { engine: 'tfjs' });
    expect(run.engine).toBe('tfjs');
    expect(run.fallbackReason).toMatch(/WebAssembly memory, over the 0.1 MiB/);
    await expect(run.prepare()).rejects.toThrow(/WebAssembly memory/);
    // the run trains on, exactly as a tfjs run does
    await train(run, 2);
    await train(tfjs, 2);
    expect(bytes(await copy(run.learner.theta))).toEqual(bytes(await copy(tfjs.learner.theta)));
    // the worker's check shows the reason once per run
    const posted: FromWorker[] = [];
    const check = new GlyphEngineCheck();
    expect(check.pending(run)).toBe(true);
    await check.work(run, (m) => posted.push(m));
    expect(check.pending(run)).toBe(false);
    expect(check.pending(tfjs)).toBe(false);
    expect(posted).toHaveLength(1);
    // the notice also moves the status line's engine to the one the run trains on now
    expect(posted[0]).toMatchObject({ kind: 'notice', level: 'warning', engine: 'tfjs' });
    expect((posted[0] as { message: string }).message).toMatch(
      /WebAssembly memory.*goes on with tfjs kernels/,
    );
    run.dispose();
    tfjs.dispose();
  });

  it('a fused run that falls back mid-way keeps θ, α, Adam, the baseline, the step and the stream', async () => {
    for (const algo of ['maml', 'metasgd']) {
      const config = small(`&algo=${algo}`);
      const run = new GlyphRun(config, { engine: 'fused' });
      await train(run, 3);
      const before = await run.exportState();
      // what GlyphRun.prepare does when the WGSL programs do not compile
      await run['fallBackToTfjs']('a test reason');
      expect(run.engine).toBe('tfjs');
      expect(run.fallbackReason).toBe('a test reason');
      const after = await run.exportState();
      expect(after.step).toBe(3);
      expect(after.stream).toEqual(before.stream);
      for (const k of ['theta', 'alpha'] as const) expect(bytes(after[k]), k).toEqual(bytes(before[k]));
      for (const k of ['thetaAdam', 'alphaAdam'] as const) {
        expect(after[k]?.t, k).toBe(before[k]?.t);
        expect(bytes(after[k]?.m ?? null), k).toEqual(bytes(before[k]?.m ?? null));
        expect(bytes(after[k]?.v ?? null), k).toEqual(bytes(before[k]?.v ?? null));
      }
      expect(bytes(after.pretrained!.theta)).toEqual(bytes(before.pretrained!.theta));
      expect(bytes(after.pretrained!.adam.m)).toEqual(bytes(before.pretrained!.adam.m));
      expect(after.pretrained!.step).toBe(3);
      // it continues as a tfjs run restored from the same state does, to the bit
      const twin = new GlyphRun(config, { engine: 'tfjs' });
      twin.restoreState(before);
      await train(run, 2);
      await train(twin, 2);
      expect(bytes(await copy(run.learner.theta))).toEqual(bytes(await copy(twin.learner.theta)));
      expect(run.stepCount).toBe(5);
      twin.dispose();
      run.dispose();
    }
  });
});
