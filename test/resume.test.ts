import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ALGOS, parseExperiment, type Experiment } from '../src/core/experiment';
import { loadFused } from '../src/core/engines/fused/wasmModule';
import type { FamilyRun } from '../src/core/families/family';
import { familyOf } from '../src/core/families/registry';
import { encodeRunFile, runFileOf } from '../src/core/runs/runFile';
import { readRunFile, runFromState } from '../src/core/runs/resume';
import type { TrainingState } from '../src/core/runs/trainingState';
import { startBackend } from './helpers';

/** Each step's meta-loss and baseline loss, read back exactly. */
async function train(run: FamilyRun, steps: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const { meta, pretrained } = run.step();
    out.push((await meta.data())[0] as number);
    if (pretrained) out.push((await pretrained.data())[0] as number);
    tf.dispose([meta, pretrained as tf.Tensor]);
  }
  return out;
}

const bytes = (a: Float32Array | null | undefined) =>
  a ? Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)) : null;

/** Every vector of a state as bytes, so equality is to the last bit (and -0 ≠ 0). */
function stateBytes(s: TrainingState) {
  const adam = (a: TrainingState['thetaAdam'] | null) =>
    a ? { t: a.t, m: bytes(a.m), v: bytes(a.v) } : null;
  return {
    step: s.step,
    theta: bytes(s.theta),
    thetaAdam: adam(s.thetaAdam),
    alpha: bytes(s.alpha),
    alphaAdam: adam(s.alphaAdam),
    pretrained: s.pretrained
      ? { theta: bytes(s.pretrained.theta), adam: adam(s.pretrained.adam), step: s.pretrained.step }
      : null,
    stream: s.stream,
  };
}

/**
 * Train n + m steps straight, and n steps → export → run-file text → parse → a NEW run → m more;
 * the two must agree to the last bit: θ, α, the baseline, the optimisers, every loss of the last m.
 */
async function expectBitIdenticalResume(config: Experiment, engine: 'tfjs' | 'fused', n: number, m: number) {
  const family = familyOf(config.task);
  const before = tf.memory().numTensors;
  const straight = family.createRun(config, { engine });
  expect(straight.engine).toBe(engine);
  await train(straight, n);
  const tail = await train(straight, m);

  const first = family.createRun(config, { engine });
  await train(first, n);
  const text = encodeRunFile(runFileOf(await first.exportState(), { backend: tf.getBackend() }));
  first.dispose();
  const file = readRunFile(text);
  expect(file.state.step).toBe(n);
  const resumed = runFromState(file.state);
  expect(resumed.engine).toBe(engine);
  expect(resumed.stepCount).toBe(n);
  const resumedTail = await train(resumed, m);

  expect(resumedTail).toEqual(tail);
  const a = await straight.exportState();
  const b = await resumed.exportState();
  expect(b.step).toBe(n + m);
  expect(stateBytes(b)).toEqual(stateBytes(a));
  // what the page reads: θ, α and the baseline's θ through the runs' tensors
  expect(bytes((await resumed.learner.theta.data()) as Float32Array)).toEqual(
    bytes((await straight.learner.theta.data()) as Float32Array),
  );
  if (config.algo === 'metasgd' || config.algo === 'mamlpp') expect(a.alpha).not.toBeNull();
  if (config.algo === 'metasgd') {
    expect(bytes((await resumed.learner.alphaVec!.data()) as Float32Array)).toEqual(
      bytes((await straight.learner.alphaVec!.data()) as Float32Array),
    );
  }
  expect(bytes((await resumed.pretrainer!.theta.data()) as Float32Array)).toEqual(
    bytes((await straight.pretrainer!.theta.data()) as Float32Array),
  );
  straight.dispose();
  resumed.dispose();
  expect(tf.memory().numTensors).toBe(before);
}

const sinusoidLink = (algo: string) =>
  `task=sinusoid&algo=${algo}&hidden=8,8&batch=3&k=4&query=4&inner=2&beta=0.01`;
const sinusoid = (algo: string) => parseExperiment(sinusoidLink(algo)).config;

describe('resuming a run from its run file', () => {
  for (const engine of ['tfjs', 'fused'] as const) {
    it.each(ALGOS)(`a sinusoid run on the ${engine} engine continues bit-identically (%s)`, async (algo) => {
      await startBackend('cpu');
      await loadFused();
      await expectBitIdenticalResume(sinusoid(algo), engine, 4, 3);
    });
  }

  it.each(['tfjs', 'fused'] as const)(
    'a MAML++ run continues bit-identically across its schedule switches (%s)',
    async (engine) => {
      await startBackend('cpu');
      await loadFused();
      // the saved run is first order and multi-step; the resumed one switches order, loss and β
      const config = parseExperiment(`${sinusoidLink('mamlpp')}&msl=5&firstOrder=4&span=6`).config;
      await expectBitIdenticalResume(config, engine, 3, 4);
    },
  );

  it('a function-mixture run continues bit-identically (fused, Meta-SGD)', async () => {
    await startBackend('cpu');
    await loadFused();
    const config = parseExperiment('task=mixture&mix=line,abs&algo=metasgd&hidden=6&batch=2&k=3').config;
    await expectBitIdenticalResume(config, 'fused', 3, 2);
  });

  it.each(ALGOS)('a glyph run continues bit-identically (%s)', async (algo) => {
    await startBackend('wasm');
    const config = parseExperiment(`task=glyphs&algo=${algo}&ways=2&batch=2&query=1&filters=4`).config;
    await expectBitIdenticalResume(config, 'tfjs', 2, 2);
  });

  it('restores live changes (β, algorithm) made before the save', async () => {
    await startBackend('cpu');
    await loadFused();
    for (const engine of ['tfjs', 'fused'] as const) {
      const config = sinusoid('maml');
      const changed = { ...config, algo: 'metasgd' as const, beta: 0.003 };
      const run = familyOf('sinusoid').createRun(config, { engine });
      await train(run, 2);
      expect(run.update(changed)).toBe(true);
      await train(run, 2);
      const resumed = runFromState(readRunFile(encodeRunFile(runFileOf(await run.exportState()))).state);
      expect(resumed.experiment).toEqual(changed);
      expect(await train(resumed, 2)).toEqual(await train(run, 2));
      run.dispose();
      resumed.dispose();
    }
  });

  it('a state that does not fit the run is refused and changes nothing', async () => {
    await startBackend('cpu');
    const config = sinusoid('maml');
    const run = familyOf('sinusoid').createRun(config, { engine: 'tfjs' });
    await train(run, 2);
    const state = await run.exportState();
    const other = familyOf('sinusoid').createRun({ ...config, hidden: [8, 9] }, { engine: 'tfjs' });
    expect(() => other.restoreState(state)).toThrow(/does not fit this run: hidden layers changed to 8,8/);
    const seeded = familyOf('sinusoid').createRun({ ...config, seed: 2 }, { engine: 'tfjs' });
    expect(() => seeded.restoreState(state)).toThrow(/seed changed to 1/);
    const bare = familyOf('sinusoid').createRun(config, { engine: 'tfjs', pretrained: false });
    expect(() => bare.restoreState(state)).toThrow(/has a pretrained baseline, this run has none/);
    const fresh = familyOf('sinusoid').createRun(config, { engine: 'tfjs' });
    const theta = Float32Array.from(fresh.learner.theta.dataSync());
    const short = { ...state, theta: state.theta.subarray(1) };
    expect(() => fresh.restoreState(short)).toThrow(/θ has 96 numbers but its settings need 97/);
    const nan = { ...state, theta: Float32Array.from(state.theta, (v, i) => (i === 5 ? NaN : v)) };
    expect(() => fresh.restoreState(nan)).toThrow(/θ contains NaN at position 5/);
    const noAlpha = { ...state, config: { ...config, algo: 'metasgd' as const } };
    expect(() => fresh.restoreState(noAlpha)).toThrow(/uses Meta-SGD but has no learned α/);
    expect(fresh.learner.theta.dataSync()).toEqual(theta);
    expect(fresh.stepCount).toBe(0);
    expect(fresh.experiment.algo).toBe('maml');
    for (const r of [run, other, seeded, bare, fresh]) r.dispose();
  });

  it('a fused state opens on the tfjs engine with the same θ and trains on from the same tasks', async () => {
    await startBackend('cpu');
    await loadFused();
    const config = sinusoid('metasgd');
    const fused = familyOf('sinusoid').createRun(config, { engine: 'fused' });
    await train(fused, 3);
    const state = await fused.exportState();
    const tfjs = runFromState(state, { engine: 'tfjs' });
    expect(tfjs.engine).toBe('tfjs');
    expect(tfjs.learner.theta.dataSync()).toEqual(state.theta);
    expect(tfjs.learner.alphaVec!.dataSync()).toEqual(state.alpha);
    const [a, b] = [await train(fused, 2), await train(tfjs, 2)];
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i] as number, 4);
    fused.dispose();
    tfjs.dispose();
  });
});
