/**
 * The PyTorch glyph peer (scripts/peer/maml_glyphs.py) computes the same meta-gradient as the
 * project's tfjs MetaLearner on one fixed glyph batch, so the bench's ratio compares the same work:
 * the same conv net (SAME padding, per-task batch norm), flat θ layout, loss rule and second-order
 * meta-gradient. Runs where an interpreter imports torch (PEER_PYTHON, else /opt/peer/bin/python,
 * else python3; .ci/run provisions /opt/peer from the machine's torch wheel); otherwise the suite
 * is skipped and its title says why.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findTorchPython,
  GLYPH_PEER_SCRIPT,
  writePeerData,
  type TorchPython,
} from '../src/cli/families/glyphs/peer';
import type { Algo, Experiment } from '../src/core/experiment';
import { GLYPH_DEFAULTS } from '../src/core/families/glyphs/defaults';
import { classBatchTensors, classifierMetaModel } from '../src/core/families/glyphs/classification';
import { sampleGlyphBatch } from '../src/core/families/glyphs/data/sampler';
import { MetaLearner } from '../src/core/meta/learners';
import { ConvNet } from '../src/core/models/convnet';
import { Rng } from '../src/core/random';
import { startBackend } from './helpers';

/** ‖a − b‖ / ‖b‖; arrays of different lengths are an error, never a partial comparison. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} against ${b.length}`);
  if (a.length === 0) throw new Error('nothing to compare');
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += ((a[i] as number) - (b[i] as number)) ** 2;
    den += (b[i] as number) ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

describe('relativeError', () => {
  it('fails on a length mismatch and measures a difference', () => {
    expect(() => relativeError([1, 2, 3], [1, 2])).toThrow(/lengths differ/);
    expect(() => relativeError([], [])).toThrow();
    expect(relativeError([1, 2], [1, 2])).toBe(0);
    expect(relativeError([3, 4.5], [3, 4])).toBeCloseTo(0.1, 12);
  });
});

const python = findTorchPython();
const reason = 'skipped' in python ? python.skipped : null;
if (reason) console.warn(`peerGlyph.test.ts: the PyTorch glyph peer check is skipped: ${reason}`);

interface Case {
  name: string;
  algo: Algo;
  inner: number;
  batchNorm: boolean;
}

const CASES: Case[] = [
  { name: 'second-order MAML, 1 inner step, batch norm', algo: 'maml', inner: 1, batchNorm: true },
  { name: 'second-order MAML, 2 inner steps, conv bias', algo: 'maml', inner: 2, batchNorm: false },
  { name: 'first-order MAML, 1 inner step, batch norm', algo: 'fomaml', inner: 1, batchNorm: true },
];

const WAYS = 3;
const FILTERS = 8;

interface Result {
  loss: number;
  gradient: ArrayLike<number>;
}

/**
 * The tfjs meta-loss and meta-gradient at one θ on one fixed batch, and the peer's input file for
 * the same problem.
 */
async function tfjsSide(c: Case, input: string): Promise<{ ours: Result; model: ConvNet }> {
  const config: Experiment = {
    ...GLYPH_DEFAULTS,
    ways: WAYS,
    filters: FILTERS,
    algo: c.algo,
    inner: c.inner,
  };
  const model = new ConvNet({ ways: WAYS, filters: FILTERS, batchNorm: c.batchNorm });
  // θ off the init's symmetric point: γ ≠ 1, β and biases ≠ 0
  const rng = new Rng(7, 'peer-theta');
  const theta = model.init(new Rng(7, 'peer-init')).map((v) => v + rng.uniform(-0.05, 0.05));
  const spec = { split: 'train' as const, ways: WAYS, shots: 2, query: 2 };
  const batch = sampleGlyphBatch(new Rng(7, 'peer-batch'), 3, spec);
  const learner = new MetaLearner(classifierMetaModel(model), c.algo, theta, {
    alpha: config.alpha,
    beta: config.beta,
    inner: c.inner,
  });
  const t = classBatchTensors(batch);
  const { loss, grads } = learner.metaGradient(t);
  const ours = { loss: (await loss.data())[0] as number, gradient: await grads[0]!.data() };
  tf.dispose([loss, ...grads, t.xs, t.ys, t.xq, t.yq]);
  learner.dispose();
  const net = { ways: WAYS, filters: FILTERS, blocks: model.blocks, batchNorm: c.batchNorm };
  writePeerData(input, config, theta, [batch], net);
  return { ours, model };
}

describe.skipIf(reason !== null)(`the PyTorch glyph peer${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let dir = '';
  const ours: { ours: Result; model: ConvNet }[] = [];
  const peers: Result[] = [];
  let tensorsBefore = 0;
  let tensorsAfter = 0;

  // one interpreter for every case: importing torch takes seconds on a loaded machine
  beforeAll(async () => {
    await startBackend('cpu');
    dir = mkdtempSync(join(tmpdir(), 'peer-glyph-'));
    tensorsBefore = tf.memory().numTensors;
    const args = [GLYPH_PEER_SCRIPT];
    for (const [i, c] of CASES.entries()) {
      const input = join(dir, `in-${i}.json`);
      ours.push(await tfjsSide(c, input));
      args.push('--check', input, join(dir, `out-${i}.json`));
    }
    tensorsAfter = tf.memory().numTensors;
    const r = spawnSync((python as TorchPython).python, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`the peer failed: ${r.stderr}`);
    for (const i of CASES.keys()) {
      peers.push(JSON.parse(readFileSync(join(dir, `out-${i}.json`), 'utf8')) as Result);
    }
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves no tensors behind on the tfjs side', () => {
    expect(tensorsAfter).toBe(tensorsBefore);
  });

  for (const [i, c] of CASES.entries()) {
    it(`computes the tfjs meta-gradient to 1e-4: ${c.name}`, () => {
      const { ours: o, model } = ours[i]!;
      const peer = peers[i]!;
      expect(peer.gradient).toHaveLength(model.numParams);
      expect(Math.abs(peer.loss - o.loss) / Math.abs(o.loss)).toBeLessThan(1e-5);
      expect(relativeError(peer.gradient, o.gradient)).toBeLessThan(1e-4);
      // every parameter tensor on its own, so a small one cannot hide behind a large one
      const { specs, offsets, sizes } = model.layout;
      specs.forEach((spec, j) => {
        const from = offsets[j] as number;
        const to = from + (sizes[j] as number);
        const slice = (g: ArrayLike<number>) => Array.prototype.slice.call(g, from, to) as number[];
        expect(relativeError(slice(peer.gradient), slice(o.gradient)), spec.name).toBeLessThan(1e-4);
      });
    });
  }
});
