import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import '../src/core/ops/convGradients';
import {
  crossEntropyPerExample,
  softmaxCrossEntropy,
  summedTaskCrossEntropy,
  taskAccuracy,
  taskCrossEntropy,
} from '../src/core/ops/crossEntropy';
import { logSoftmax, logSumExp, safeExp, softmax } from '../src/core/ops/softmax';
import { taskBatchNorm } from '../src/core/ops/taskBatchNorm';
import { convPatches, taskConv2d } from '../src/core/ops/taskConv2d';
import {
  directionalCheck,
  hessianVectorCheck,
  randomDirection,
  relError,
  relScalar,
} from './finiteDifference';
import { startBackend } from './helpers';

const EPS = 1e-2;
const TOL = 1e-2;

function rand(shape: readonly number[], seed: number, scale = 1): tf.Tensor {
  return tf.mul(tf.randomNormal([...shape], 0, 1, 'float32', seed), scale);
}

/** First derivative and Hessian-vector product of f at xs, each against central differences. */
function expectSecondOrderOk(
  f: (...xs: tf.Tensor[]) => tf.Scalar,
  xs: tf.Tensor[],
  seed: number,
  eps = EPS,
): void {
  for (const s of [seed, seed + 1]) {
    const v = randomDirection(xs, s);
    const [analytic, numeric] = directionalCheck(f, xs, v, eps);
    expect(relScalar(analytic, numeric)).toBeLessThan(TOL);
    const [hv, fd] = hessianVectorCheck(f, xs, v, eps);
    expect(relError(hv, fd)).toBeLessThan(TOL);
    tf.dispose(v);
  }
}

beforeAll(async () => {
  await startBackend('cpu');
});

describe('twice-differentiable softmax family', () => {
  it('safeExp equals exp, and so do its first three derivatives', () => {
    const x = tf.tensor1d([-2, -0.3, 0, 0.7, 3]);
    const e = Array.from(tf.exp(x).dataSync());
    const d1 = (v: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.sum(safeExp(u)))(v);
    const d2 = (v: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.sum(d1(u)))(v);
    const d3 = (v: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.sum(d2(u)))(v);
    for (const t of [safeExp(x), d1(x), d2(x), d3(x)]) {
      expect(relError(t.dataSync(), e)).toBeLessThan(1e-6);
    }
  });

  it('logSumExp, logSoftmax and softmax match tfjs forward, also for huge logits', () => {
    const x = tf.tensor2d([
      [0.1, -1.2, 2.5, 0.3],
      [1000, 999, 998, -1000],
    ]);
    expect(relError(logSumExp(x).dataSync(), tf.logSumExp(x, -1, true).dataSync())).toBeLessThan(1e-6);
    expect(relError(logSoftmax(x).dataSync(), tf.logSoftmax(x).dataSync())).toBeLessThan(1e-6);
    expect(relError(softmax(x).dataSync(), tf.softmax(x).dataSync())).toBeLessThan(1e-6);
    expect(Array.from(logSoftmax(x).dataSync()).every(Number.isFinite)).toBe(true);
  });

  it('logSumExp, logSoftmax and softmax: gradients and Hessian-vector products match finite differences', () => {
    const x = rand([3, 5], 1, 1.5);
    const w = rand([3, 5], 2);
    expectSecondOrderOk((a) => tf.sum(logSumExp(a)), [x], 10);
    expectSecondOrderOk((a) => tf.sum(tf.mul(logSoftmax(a), w)), [x], 20);
    expectSecondOrderOk((a) => tf.sum(tf.mul(softmax(a), w)), [x], 30);
  });
});

describe('softmax cross-entropy', () => {
  let logits: tf.Tensor;
  let labels: tf.Tensor;
  beforeAll(() => {
    logits = rand([2, 4, 5], 3, 2);
    labels = tf.tensor2d(
      [
        [0, 3, 1, 4],
        [2, 2, 0, 1],
      ],
      undefined,
      'int32',
    );
  });

  it('equals −log softmax at the label, averaged; int and one-hot labels agree', () => {
    const ls = tf.logSoftmax(logits).arraySync() as number[][][];
    const lab = labels.arraySync() as number[][];
    let sum = 0;
    for (let t = 0; t < 2; t++) for (let b = 0; b < 4; b++) sum -= ls[t]![b]![lab[t]![b]!]!;
    expect(softmaxCrossEntropy(logits, labels).dataSync()[0]).toBeCloseTo(sum / 8, 5);
    const oneHot = tf.oneHot(labels, 5).toFloat();
    expect(softmaxCrossEntropy(logits, oneHot).dataSync()[0]).toBeCloseTo(sum / 8, 5);
    expect(crossEntropyPerExample(logits, labels).shape).toEqual([2, 4]);
    const perTask = taskCrossEntropy(logits as tf.Tensor3D, labels).dataSync();
    expect(perTask.length).toBe(2);
    expect(summedTaskCrossEntropy(logits as tf.Tensor3D, labels).dataSync()[0]).toBeCloseTo(
      (perTask[0] as number) + (perTask[1] as number),
      5,
    );
  });

  it('gradient and Hessian-vector product with respect to the logits match finite differences', () => {
    expectSecondOrderOk((z) => softmaxCrossEntropy(z, labels), [logits], 40);
  });

  it('composed with a linear layer, its second derivatives in the weights match too', () => {
    const x = rand([6, 4], 5);
    const w = rand([4, 3], 6, 0.7);
    const y = tf.tensor1d([0, 2, 1, 1, 0, 2], 'int32');
    expectSecondOrderOk((a) => softmaxCrossEntropy(tf.matMul(x, a), y), [w], 50);
  });

  it('accuracy counts argmax hits per task', () => {
    const z = tf.tensor3d([
      [
        [2, 0],
        [0, 1],
        [3, 1],
      ],
      [
        [0, 1],
        [0, 1],
        [1, 0],
      ],
    ]);
    const y = tf.tensor2d(
      [
        [0, 1, 1],
        [1, 1, 1],
      ],
      undefined,
      'int32',
    );
    expect(Array.from(taskAccuracy(z, y).dataSync())).toEqual([2 / 3, 2 / 3].map((v) => Math.fround(v)));
  });
});

describe('registered convolution gradients', () => {
  const cases: { stride: number; pad: 'same' | 'valid' }[] = [
    { stride: 1, pad: 'same' },
    { stride: 2, pad: 'same' },
    { stride: 2, pad: 'valid' },
  ];

  for (const { stride, pad } of cases) {
    it(`Conv2DBackpropFilter (stride ${stride}, ${pad}): gradients in x and dy match finite differences`, () => {
      const x = rand([2, 5, 5, 2], 60);
      const out = tf.conv2d(x as tf.Tensor4D, tf.zeros([3, 3, 2, 3]) as tf.Tensor4D, stride, pad);
      const dy = rand(out.shape, 61);
      const probe = rand([3, 3, 2, 3], 62);
      const attrs = { strides: stride, pad, dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] };
      const f = (a: tf.Tensor, b: tf.Tensor) => {
        const dw = tf
          .engine()
          .runKernel(tf.Conv2DBackpropFilter, { x: a, dy: b }, attrs as unknown as tf.NamedAttrMap);
        return tf.sum(tf.mul(dw as tf.Tensor, probe)) as tf.Scalar;
      };
      for (const s of [70, 71]) {
        const v = randomDirection([x, dy], s);
        const [analytic, numeric] = directionalCheck(f, [x, dy], v, EPS);
        expect(relScalar(analytic, numeric)).toBeLessThan(TOL);
      }
    });

    it(`Conv2DBackpropInput (stride ${stride}, ${pad}): gradients in dy and filter match finite differences`, () => {
      const xShape: [number, number, number, number] = [2, 5, 5, 2];
      const out = tf.conv2d(
        tf.zeros(xShape) as tf.Tensor4D,
        tf.zeros([3, 3, 2, 3]) as tf.Tensor4D,
        stride,
        pad,
      );
      const dy = rand(out.shape, 63);
      const filter = rand([3, 3, 2, 3], 64);
      const probe = rand(xShape, 65);
      const attrs = { strides: stride, pad, dataFormat: 'NHWC', inputShape: xShape };
      const f = (a: tf.Tensor, b: tf.Tensor) => {
        const dx = tf
          .engine()
          .runKernel(tf.Conv2DBackpropInput, { dy: a, filter: b }, attrs as unknown as tf.NamedAttrMap);
        return tf.sum(tf.mul(dx as tf.Tensor, probe)) as tf.Scalar;
      };
      const v = randomDirection([dy, filter], 72);
      const [analytic, numeric] = directionalCheck(f, [dy, filter], v, EPS);
      expect(relScalar(analytic, numeric)).toBeLessThan(TOL);
    });
  }

  it('tf.conv2d can be differentiated twice: Hessian-vector product in (x, filter) matches finite differences', () => {
    const x = rand([2, 6, 6, 2], 80);
    const w = rand([3, 3, 2, 3], 81, 0.5);
    // a cubic makes the Hessian depend on the point, and mixing x and w exercises every kernel
    const f = (a: tf.Tensor, b: tf.Tensor) =>
      tf.div(tf.sum(tf.pow(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'), 3)), 3) as tf.Scalar;
    expectSecondOrderOk(f, [x, w], 90);
  });
});

describe('per-task convolution (patches + matrix products, channels first)', () => {
  it('matches tf.conv2d with SAME padding for shared and per-task filters', () => {
    for (const [size, k, s] of [
      [28, 3, 2],
      [7, 3, 2],
      [4, 3, 2],
      [5, 3, 1],
      [6, 5, 2],
      [9, 3, 3],
    ] as const) {
      tf.tidy(() => {
        // tasks 2, batch 3, channels 2, filters 4
        const x = rand([2, 3, size, size, 2], size * 10 + k);
        const xcf = tf.transpose(x, [0, 4, 1, 2, 3]) as tf.Tensor5D;
        const w0 = rand([k, k, 2, 4], 7) as tf.Tensor4D;
        const w1 = rand([k, k, 2, 4], 8) as tf.Tensor4D;
        const flatX = tf.reshape(x, [6, size, size, 2]) as tf.Tensor4D;
        // reference channels-last [2, 3, H', W', 4] → channels first [2, 4, 3, H', W']
        const toCf = (y: tf.Tensor) =>
          tf.transpose(tf.reshape(y, [2, 3, ...y.shape.slice(1)]), [0, 4, 1, 2, 3]);
        const ref0 = toCf(tf.conv2d(flatX, w0, s, 'same'));
        const ref1 = toCf(tf.conv2d(flatX, w1, s, 'same'));
        expect(relError(taskConv2d(xcf, w0, s).dataSync(), ref0.dataSync())).toBeLessThan(1e-5);
        const perTask = taskConv2d(xcf, tf.stack([w0, w1]), s);
        expect(perTask.shape).toEqual(ref0.shape);
        expect(
          relError(tf.slice(perTask, [0], [1]).dataSync(), tf.slice(ref0, [0], [1]).dataSync()),
        ).toBeLessThan(1e-5);
        expect(
          relError(tf.slice(perTask, [1], [1]).dataSync(), tf.slice(ref1, [1], [1]).dataSync()),
        ).toBeLessThan(1e-5);
        // one task (the page's views): the 2-D product path
        const one = taskConv2d(tf.slice(xcf, [1], [1]), tf.stack([w1]), s);
        expect(one.shape).toEqual([1, ...ref1.shape.slice(1)]);
        expect(relError(one.dataSync(), tf.slice(ref1, [1], [1]).dataSync())).toBeLessThan(1e-5);
      });
    }
    expect(convPatches(tf.zeros([2, 1, 3, 28, 28]) as tf.Tensor5D, 3, 2).shape).toEqual([2, 9, 3 * 14 * 14]);
  });

  for (const [shared, t] of [
    [false, 2],
    [true, 2],
    [false, 1],
  ] as const) {
    it(`${shared ? 'shared' : 'per-task'} convolution (${t} task${t > 1 ? 's' : ''}) and batch norm: Hessian-vector products in input, filters and scales match finite differences`, () => {
      const x = rand([t, 2, 3, 6, 6], 100);
      const w = rand(shared ? [3, 3, 2, 3] : [t, 3, 3, 2, 3], 101, 0.5);
      const gamma = tf.add(rand([t, 3], 102, 0.2), 1);
      const beta = rand([t, 3], 103, 0.2);
      const probe = rand([t, 3, 3, 3, 3], 104);
      const f = (xin: tf.Tensor, a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const h = taskBatchNorm(taskConv2d(xin as tf.Tensor5D, a, 2), g, b, 1);
        return tf.sum(tf.mul(tf.square(h), probe)) as tf.Scalar;
      };
      expectSecondOrderOk(f, [x, w, gamma, beta], 110);
    });
  }

  it('batch norm normalises each task and channel over the other axes', () => {
    const h = rand([2, 3, 4, 5], 120, 3);
    const out = taskBatchNorm(h, tf.ones([3]), tf.zeros([3]), 1);
    const { mean, variance } = tf.moments(out, [2, 3]);
    expect(Math.max(...Array.from(tf.abs(mean).dataSync()))).toBeLessThan(1e-5);
    expect(relError(variance.dataSync(), new Float32Array(6).fill(1))).toBeLessThan(1e-3);
  });
});

describe('wasm backend', () => {
  it('agrees with cpu on cross-entropy (int labels), accuracy and the per-task convolution', async () => {
    const run = () =>
      tf.tidy(() => {
        const logits = rand([2, 4, 5], 130, 2) as tf.Tensor3D;
        const labels = tf.tensor2d([0, 3, 1, 4, 2, 2, 0, 1], [2, 4], 'int32');
        const x = rand([2, 2, 3, 9, 9], 131) as tf.Tensor5D;
        const w = rand([2, 3, 3, 2, 4], 132);
        const ws = rand([3, 3, 2, 4], 133);
        return [
          softmaxCrossEntropy(logits, labels).dataSync()[0] as number,
          ...taskAccuracy(logits, labels).dataSync(),
          ...taskConv2d(x, w, 2).dataSync(),
          ...taskConv2d(x, ws, 2).dataSync(),
        ];
      });
    const onCpu = run();
    await startBackend('wasm');
    try {
      const onWasm = run();
      expect(onWasm[0]).toBeGreaterThan(0.5); // a real loss, not the 1e-45 of a float32 OneHot
      expect(relError(onWasm, onCpu)).toBeLessThan(1e-5);
    } finally {
      await startBackend('cpu');
    }
  });
});
