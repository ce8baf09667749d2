import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadFused } from '../src/core/engines/fused/wasmModule';
import { layerSizes } from '../src/core/experiment';
import { createRegressionRun } from '../src/core/families/regression/lookup';
import { LSLR_STEPS, mlpTensorSizes } from '../src/core/meta/mamlppSchedule';
import { decodeWeights, encodeWeights } from '../src/ui/shell/thetaCodec';
import type { FromWorker } from '../src/worker/protocol';
import { regressionThetaModel } from '../src/worker/families/regressionTheta';
import { copySnapshot, runFromSnapshot, snapshotFinite, takeSnapshot } from '../src/worker/runState';
import { mamlppRatesReport, metasgdRatesReport, tensorNames } from '../src/worker/theta/rates';
import { ThetaView } from '../src/worker/theta/view';
import type { RegressionRun } from '../src/core/families/regression/run';
import { experiment, startBackend } from './helpers';

async function train(run: { step(): { meta: tf.Scalar; pretrained: tf.Scalar | null } }, n: number) {
  for (let i = 0; i < n; i++) {
    const l = run.step();
    tf.dispose([l.meta, ...(l.pretrained ? [l.pretrained] : [])]);
  }
}

const ratesOf = async (run: { learner: { rates?: tf.Variable | null } }) =>
  Float32Array.from((await run.learner.rates!.data()) as Float32Array);

describe('the θ view’s learned inner rates', () => {
  it('names tensors and summarises MAML++’s rows and Meta-SGD’s α per tensor', () => {
    expect(tensorNames(4)).toEqual(['W1', 'b1', 'W2', 'b2']);
    const config = experiment({ algo: 'mamlpp', inner: 2, alpha: 0.01 });
    const rates = Float32Array.from({ length: LSLR_STEPS * 4 }, (_, i) => i);
    const m = mamlppRatesReport(rates, config)!;
    expect(m.steps).toBe(2);
    expect(Array.from(m.values)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(m.initial).toBe(0.01);
    expect(mamlppRatesReport(new Float32Array(7), config)).toBeNull();
    const alpha = Float32Array.from([1, 3, 2, -1, 5]);
    const s = metasgdRatesReport(alpha, [3, 2], config);
    expect(s.tensors).toEqual(['W1', 'b1']);
    expect(Array.from(s.values)).toEqual([2, 2]);
    expect(Array.from(s.low!)).toEqual([1, -1]);
    expect(Array.from(s.high!)).toEqual([3, 5]);
    // sizes that do not add up to α's length: all of θ as one tensor
    expect(metasgdRatesReport(alpha, [2, 2], config).tensors).toEqual(['θ']);
  });

  it('reports MAML++’s live rates in the θ report, and none for the baseline or MAML', async () => {
    await startBackend('cpu');
    const config = experiment({ algo: 'mamlpp', inner: 2, batch: 3 });
    const run = createRegressionRun(config) as RegressionRun;
    await train(run, 3);
    const posted: FromWorker[] = [];
    const view = new ThetaView(
      (m) => posted.push(m),
      (fn) => fn(),
    );
    const model = regressionThetaModel(run);
    await view.report(model, config, null, false);
    const report = posted.find((m) => m.kind === 'theta');
    if (report?.kind !== 'theta') throw new Error('no θ report');
    const tensors = mlpTensorSizes(layerSizes(config)).length;
    expect(report.rates?.algo).toBe('mamlpp');
    expect(report.rates?.tensors).toHaveLength(tensors);
    expect(Array.from(report.rates!.values)).toEqual(
      Array.from((await ratesOf(run)).subarray(0, 2 * tensors)),
    );
    // the rates have moved from α with training
    expect(report.rates!.values.some((v) => v !== config.alpha)).toBe(true);
    view.clear();
    run.dispose();
    const plain = createRegressionRun(experiment({ batch: 3 })) as RegressionRun;
    posted.length = 0;
    await view.report(regressionThetaModel(plain), experiment({ batch: 3 }), null, false);
    const again = posted.find((m) => m.kind === 'theta');
    expect(again?.kind === 'theta' && again.rates).toBeNull();
    view.clear();
    plain.dispose();
  });

  it('reports Meta-SGD’s α per tensor', async () => {
    await startBackend('cpu');
    const config = experiment({ algo: 'metasgd', batch: 3 });
    const run = createRegressionRun(config) as RegressionRun;
    await train(run, 2);
    const posted: FromWorker[] = [];
    const view = new ThetaView(
      (m) => posted.push(m),
      (fn) => fn(),
    );
    await view.report(regressionThetaModel(run), config, null, false);
    const report = posted.find((m) => m.kind === 'theta');
    if (report?.kind !== 'theta') throw new Error('no θ report');
    expect(report.rates?.algo).toBe('metasgd');
    expect(report.rates?.tensors).toEqual(tensorNames(mlpTensorSizes(layerSizes(config)).length));
    view.clear();
    run.dispose();
  });
});

describe('MAML++’s rates travel with θ', () => {
  it('a snapshot carries them and a run from it starts with them, on tfjs and on the fused engine', async () => {
    await startBackend('cpu');
    await loadFused();
    const before = tf.memory().numTensors;
    const config = experiment({ algo: 'mamlpp', inner: 2, batch: 3 });
    const run = createRegressionRun(config, { engine: 'fused' });
    await train(run, 5);
    const snap = await takeSnapshot(run);
    const trained = await ratesOf(run);
    expect(snap.rates).toEqual(trained);
    expect(trained.some((v) => v !== config.alpha)).toBe(true);
    expect(snapshotFinite(snap)).toBe(true);
    expect(copySnapshot(snap).rates).toEqual(trained);
    // a worker move: fused → tfjs and fused → fused keep the rates instead of restarting at α
    const onTfjs = runFromSnapshot(config, copySnapshot(snap), 'tfjs');
    const onFused = runFromSnapshot(config, copySnapshot(snap), 'fused');
    expect(await ratesOf(onTfjs)).toEqual(trained);
    expect(await ratesOf(onFused)).toEqual(trained);
    // a MAML run from the same snapshot ignores them
    const maml = runFromSnapshot({ ...config, algo: 'maml' }, copySnapshot(snap));
    expect(maml.learner.rates ?? null).toBeNull();
    // rates that do not fit the network are refused with the reason
    expect(() => runFromSnapshot(config, { ...copySnapshot(snap), rates: new Float32Array(5) })).toThrow(
      /MAML\+\+ rates have 5 numbers/,
    );
    expect(() =>
      runFromSnapshot(config, { ...copySnapshot(snap), rates: new Float32Array(60).fill(NaN) }),
    ).toThrow(/not finite/);
    for (const r of [run, onTfjs, onFused, maml]) r.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a share link’s weights carry them, and links without them still decode', async () => {
    const theta = Float32Array.from({ length: 12 }, (_, i) => i / 7);
    const rates = Float32Array.from({ length: 40 }, (_, i) => 0.01 + i / 1000);
    const base = {
      step: 42,
      theta,
      pretrained: null,
      alpha: null,
      lastLoss: 0.5,
      historySteps: Float32Array.from([0, 42]),
      historyLosses: Float32Array.from([1, 0.5]),
    };
    const expect_ = { params: 12, maxStep: 1000 };
    const withRates = await decodeWeights(await encodeWeights({ ...base, rates }), expect_);
    expect(withRates.rates).toEqual(rates);
    expect(withRates.theta).toEqual(theta);
    expect(withRates.historyLosses).toEqual(base.historyLosses);
    const without = await decodeWeights(await encodeWeights(base), expect_);
    expect(without.rates ?? null).toBeNull();
    expect(without.theta).toEqual(theta);
    await expect(
      decodeWeights(await encodeWeights({ ...base, rates, theta: new Float32Array(11) }), expect_),
    ).rejects.toThrow(/11 parameters/);
  });
});
