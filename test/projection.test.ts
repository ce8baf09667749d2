import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchTensors } from '../src/core/families/regression/evaluate';
import { adapt } from '../src/core/meta/innerLoop';
import { MetaLearner, type BatchTensors } from '../src/core/meta/learners';
import { Mlp } from '../src/core/models/mlp';
import {
  LossLandscape,
  SnapshotBuffer,
  displacementGram,
  innerPathCoords,
  innerPaths,
  jacobiEigen,
  landscapeSpan,
  pcaPlane,
  projectPoint,
  projectRows,
  projectTensor,
  topEigenpairs,
  trajectoryPlane,
  type Plane,
} from '../src/core/projection';
import { Rng } from '../src/core/random';
import { sinusoid } from '../src/core/families/sinusoid/sampler';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function gaussian(rng: Rng, n: number, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => scale * rng.normal());
}

/** Orthonormal vectors by Gram–Schmidt of Gaussian ones. */
function orthonormal(rng: Rng, n: number, count: number): Float64Array[] {
  const out: Float64Array[] = [];
  while (out.length < count) {
    const v = gaussian(rng, n);
    for (const b of out) {
      const c = dot(v, b);
      for (let i = 0; i < n; i++) v[i] = (v[i] as number) - c * (b[i] as number);
    }
    const norm = Math.sqrt(dot(v, v));
    out.push(v.map((x) => x / norm));
  }
  return out;
}

/** Cosines of the principal angles between span{d1, d2} and span{u, v} (u, v orthonormal). */
function subspaceCosines(
  d1: ArrayLike<number>,
  d2: ArrayLike<number>,
  u: ArrayLike<number>,
  v: ArrayLike<number>,
) {
  const m = [dot(d1, u), dot(d1, v), dot(d2, u), dot(d2, v)] as const;
  // singular values of the 2×2 matrix M via the eigenvalues of MᵀM
  const a = m[0] * m[0] + m[2] * m[2];
  const b = m[0] * m[1] + m[2] * m[3];
  const c = m[1] * m[1] + m[3] * m[3];
  const half = (a + c) / 2;
  const disc = Math.sqrt(Math.max(0, half * half - (a * c - b * b)));
  return [Math.sqrt(half + disc), Math.sqrt(Math.max(0, half - disc))] as const;
}

/** Snapshots o + aᵢ·u + bᵢ·v + noise, row-major [S, P], on a known plane. */
function planeSnapshots(s: number, p: number, noise: number, seed = 7) {
  const rng = new Rng(seed, 'plane');
  const [u, v] = orthonormal(rng, p, 2) as [Float64Array, Float64Array];
  const o = gaussian(rng, p);
  const data = new Float32Array(s * p);
  for (let i = 0; i < s; i++) {
    const t = (i / Math.max(1, s - 1)) * Math.PI;
    const a = 3 * Math.cos(t); // more spread along u: PC1 is u
    const b = Math.sin(t) + 0.2 * rng.normal();
    for (let k = 0; k < p; k++) {
      data[i * p + k] = (o[k] as number) + a * (u[k] as number) + b * (v[k] as number) + noise * rng.normal();
    }
  }
  return { data, u, v };
}

function expectValidPlane(plane: Plane, p: number): void {
  for (const x of [...plane.origin, ...plane.d1, ...plane.d2, ...plane.coords, ...plane.explained]) {
    expect(Number.isFinite(x)).toBe(true);
  }
  expect(plane.d1.length).toBe(p);
  expect(dot(plane.d1, plane.d1)).toBeCloseTo(1, 5);
  expect(dot(plane.d2, plane.d2)).toBeCloseTo(1, 5);
  expect(Math.abs(dot(plane.d1, plane.d2))).toBeLessThan(1e-5);
  expect(plane.coords.length).toBe(2 * plane.count);
}

describe('SnapshotBuffer', () => {
  it('records on schedule, thins by halves, keeps first and last, stays bounded', () => {
    const buf = new SnapshotBuffer({ capacity: 8 });
    const p = 5;
    let recorded = 0;
    for (let step = 0; step < 1000; step++) {
      if (!buf.due(step)) continue;
      const theta = Float32Array.from({ length: p }, (_, k) => step * (k + 1));
      expect(buf.record(step, theta)).toBe(true);
      recorded++;
      expect(buf.length).toBeLessThanOrEqual(8);
      expect(buf.step(0)).toBe(0);
      expect(buf.lastStep).toBe(step);
      const steps = buf.steps();
      for (let i = 0; i < steps.length; i++) {
        expect(buf.row(i)[1]).toBe(2 * (steps[i] as number)); // each row still belongs to its step
        if (i > 1)
          expect((steps[i] as number) - (steps[i - 1] as number)).toBe(
            (steps[1] as number) - (steps[0] as number),
          );
      }
    }
    expect(buf.record(999, new Float32Array(p))).toBe(false); // not due again
    // 1000 steps in 8 slots: the interval has doubled to 128 and the whole run is still covered
    expect(buf.interval).toBe(128);
    expect(buf.lastStep).toBeGreaterThan(999 - buf.interval);
    // θ is read back only when due: 8 at first, then 4 per doubling (7 doublings)
    expect(recorded).toBe(8 + 4 * 7);
    expect(buf.data().length).toBe(buf.length * p);
  });

  it('keeps its incremental Gram equal to the Gram recomputed from the rows', () => {
    const rng = new Rng(3, 'gram');
    const buf = new SnapshotBuffer({ capacity: 16 });
    const p = 50;
    const theta = gaussian(rng, p);
    for (let step = 0; step < 100; step++) {
      for (let k = 0; k < p; k++) theta[k] = (theta[k] as number) + 0.1 * rng.normal();
      buf.record(step, Float32Array.from(theta));
    }
    const inc = buf.displacementGram();
    const ref = displacementGram(buf.data(), buf.length, p);
    expect(inc.length).toBe(ref.length);
    for (let i = 0; i < ref.length; i++) expect(inc[i]).toBeCloseTo(ref[i] as number, 9);
  });

  it('clears, accepts a new size after clearing, and rejects a wrong size', () => {
    const buf = new SnapshotBuffer({ capacity: 4, interval: 3 });
    buf.record(0, new Float32Array(3));
    expect(buf.due(2)).toBe(false);
    expect(buf.due(3)).toBe(true);
    expect(() => buf.push(1, new Float32Array(4))).toThrow();
    const v = buf.version;
    buf.clear();
    expect(buf.length).toBe(0);
    expect(buf.version).toBeGreaterThan(v);
    buf.record(0, new Float32Array(6));
    expect(buf.size).toBe(6);
    expect(() => new SnapshotBuffer({ capacity: 1 })).toThrow();
  });
});

describe('eigen-solvers', () => {
  it('Jacobi solves a known symmetric matrix', () => {
    // eigenvalues 4, 2, 1 (a rotated diagonal)
    const a = Float64Array.from([2.5, 1.5, 0, 1.5, 2.5, 0, 0, 0, 2]);
    const { values, vectors } = jacobiEigen(a, 3);
    expect([...values].map((x) => +x.toFixed(12))).toEqual([4, 2, 1]);
    expect(Math.abs(vectors[0] as number)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(Math.abs(vectors[1] as number)).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('the Krylov solver finds the top pairs of large Gram matrices, repeated or low-rank', () => {
    const rng = new Rng(11, 'eigen');
    const n = 150;
    const vs = orthonormal(rng, n, 12);
    const build = (lambdas: number[]) => {
      const a = new Float64Array(n * n);
      lambdas.forEach((l, k) => {
        const v = vs[k] as Float64Array;
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++)
            a[i * n + j] = (a[i * n + j] as number) + l * (v[i] as number) * (v[j] as number);
      });
      return a;
    };
    const cases = [
      [9, 4, 1, 0.5, 0.25, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001], // decaying, full Krylov path
      [5, 5, 2], // repeated top eigenvalue, rank 3: the Krylov space closes early
      [3], // rank 1
      [], // zero matrix
    ];
    for (const lambdas of cases) {
      const { values, vectors } = topEigenpairs(build(lambdas), n, 2);
      expect(values[0]).toBeCloseTo(lambdas[0] ?? 0, 8);
      expect(values[1]).toBeCloseTo(lambdas[1] ?? 0, 8);
      for (const x of vectors) expect(Number.isFinite(x)).toBe(true);
      if (lambdas.length >= 3 && lambdas[0] !== lambdas[1]) {
        expect(Math.abs(dot(vectors.subarray(0, n), vs[0] as Float64Array))).toBeCloseTo(1, 8);
        expect(Math.abs(dot(vectors.subarray(n, 2 * n), vs[1] as Float64Array))).toBeCloseTo(1, 8);
      }
    }
  });
});

describe('pcaPlane', () => {
  for (const s of [20, 200]) {
    it(`recovers a known plane from ${s} noisy snapshots`, () => {
      const p = 600;
      const { data, u, v } = planeSnapshots(s, p, 1e-6);
      const plane = pcaPlane(data, s, p) as Plane;
      expectValidPlane(plane, p);
      expect(plane.rank).toBe(2);
      const [c1, c2] = subspaceCosines(plane.d1, plane.d2, u, v);
      expect(c1).toBeGreaterThan(1 - 1e-6);
      expect(c2).toBeGreaterThan(1 - 1e-6); // the largest principal angle ≈ 0
      expect(Math.abs(dot(plane.d1, u))).toBeGreaterThan(0.999); // PC1 is the wider axis
      expect(plane.explained[0]).toBeGreaterThan(plane.explained[1]);
      expect(plane.explained[0] + plane.explained[1]).toBeGreaterThan(1 - 1e-6);
      const coords = projectRows(plane, data, s);
      for (let i = 0; i < coords.length; i++) expect(plane.coords[i]).toBeCloseTo(coords[i] as number, 4);
      // sign convention without a previous plane: the path starts on the negative side of both axes
      expect(plane.coords[0]).toBeLessThan(0);
      expect(plane.coords[1]).toBeLessThan(0);
    });
  }

  it('is deterministic and keeps its orientation from one recomputation to the next', () => {
    const p = 300;
    const { data } = planeSnapshots(60, p, 1e-3);
    const a = pcaPlane(data, 60, p) as Plane;
    const b = pcaPlane(data, 60, p) as Plane;
    expect([...b.d1]).toEqual([...a.d1]);
    expect([...b.coords]).toEqual([...a.coords]);
    // one snapshot fewer, aligned with the previous plane: same orientation
    const c = pcaPlane(data, 59, p, { previous: a }) as Plane;
    expect(dot(c.d1, a.d1)).toBeGreaterThan(0.99);
    expect(dot(c.d2, a.d2)).toBeGreaterThan(0.99);
    // a previous plane pointing the other way wins over the default rule
    const flipped = { origin: a.origin, d1: a.d1.map((x) => -x), d2: a.d2.map((x) => -x) };
    const d = pcaPlane(data, 60, p, { previous: flipped }) as Plane;
    expect(dot(d.d1, a.d1)).toBeCloseTo(-1, 6);
    expect(dot(d.d2, a.d2)).toBeCloseTo(-1, 6);
    expect(d.coords[0]).toBeCloseTo(-(a.coords[0] as number), 5);
    const coords = projectRows(d, data, 60);
    for (let i = 0; i < coords.length; i++) expect(d.coords[i]).toBeCloseTo(coords[i] as number, 4);
  });

  it('gives the same plane from a snapshot buffer (incremental Gram) as from scratch', () => {
    const p = 200;
    const rng = new Rng(5, 'walk');
    const buf = new SnapshotBuffer({ capacity: 64 });
    const theta = gaussian(rng, p);
    for (let step = 0; step < 300; step++) {
      for (let k = 0; k < p; k++) theta[k] = (theta[k] as number) + 0.01 * rng.normal() + 0.002;
      buf.record(step, Float32Array.from(theta));
    }
    const fromBuffer = trajectoryPlane(buf);
    const fromScratch = pcaPlane(buf.data(), buf.length, p) as Plane;
    expect(fromBuffer).not.toBeNull();
    if (!fromBuffer) return;
    expectValidPlane(fromBuffer, p);
    expect(fromBuffer.steps.length).toBe(buf.length);
    expect(fromBuffer.version).toBe(buf.version);
    expect(dot(fromBuffer.d1, fromScratch.d1)).toBeCloseTo(1, 6);
    expect(dot(fromBuffer.d2, fromScratch.d2)).toBeCloseTo(1, 6);
    expect(fromBuffer.explained[0]).toBeCloseTo(fromScratch.explained[0], 6);
  });

  it('handles degenerate trajectories without NaN', () => {
    const p = 40;
    expect(pcaPlane(new Float32Array(0), 0, p)).toBeNull();

    const rng = new Rng(9, 'degenerate');
    const point = Float32Array.from(gaussian(rng, p));
    const one = pcaPlane(point, 1, p) as Plane;
    expectValidPlane(one, p);
    expect(one.rank).toBe(0);
    expect(one.explained).toEqual([0, 0]);
    expect([...one.coords]).toEqual([0, 0]);
    expect([...one.origin]).toEqual([...point]);

    const same = new Float32Array(5 * p);
    for (let i = 0; i < 5; i++) same.set(point, i * p);
    const flat = pcaPlane(same, 5, p) as Plane;
    expectValidPlane(flat, p);
    expect(flat.rank).toBe(0);

    // collinear: θᵢ = θ₀ + tᵢ·w
    const [w] = orthonormal(rng, p, 1) as [Float64Array];
    const line = new Float32Array(6 * p);
    for (let i = 0; i < 6; i++)
      for (let k = 0; k < p; k++) line[i * p + k] = (point[k] as number) + i * 0.5 * (w[k] as number);
    const ray = pcaPlane(line, 6, p) as Plane;
    expectValidPlane(ray, p);
    expect(ray.rank).toBeGreaterThanOrEqual(1);
    expect(Math.abs(dot(ray.d1, w))).toBeCloseTo(1, 5);
    expect(ray.explained[0]).toBeGreaterThan(1 - 1e-6);
    expect(ray.explained[1]).toBeLessThan(1e-6);
    for (let i = 0; i < 6; i++) expect(Math.abs(ray.coords[2 * i + 1] as number)).toBeLessThan(1e-5);
    expect(ray.coords[0]).toBeLessThan(0); // starts on the left, moves right
    expect(ray.coords[10]).toBeGreaterThan(0);
  });
});

/** A small network and a fixed sinusoid batch keep the cpu backend fast. */
function setup(seed: number, tasks: number, k: number, q: number) {
  const model = new Mlp([1, 20, 20, 1]);
  const theta0 = model.init(new Rng(seed, 'init'));
  const batch = batchTensors(sinusoid.sampleBatch(new Rng(seed, 'tasks'), tasks, k, q));
  return { model, theta0, batch };
}

/** A plane from a short random walk around θ (the paths only need some plane). */
function walkPlane(theta: Float32Array, seed: number): Plane {
  const rng = new Rng(seed, 'walk');
  const buf = new SnapshotBuffer({ capacity: 32 });
  const cur = Float64Array.from(theta);
  for (let step = 0; step < 40; step++) {
    for (let k = 0; k < cur.length; k++) cur[k] = (cur[k] as number) + 0.02 * rng.normal();
    buf.record(step, Float32Array.from(cur));
  }
  return trajectoryPlane(buf) as Plane;
}

describe('inner-loop paths', () => {
  for (const kind of ['scalar α', 'Meta-SGD α vector'] as const) {
    it(`projects the core's adapted θ′ᵢ after each inner step (${kind})`, async () => {
      const { model, theta0, batch } = setup(1, 5, 10, 10);
      const plane = walkPlane(theta0, 2);
      const theta = tf.tensor1d(theta0);
      const rate =
        kind === 'scalar α'
          ? 0.02
          : tf.tensor1d(Float32Array.from({ length: model.numParams }, (_, i) => 0.005 + (i % 7) * 0.004));
      const steps = 3;
      const before = tf.memory().numTensors;
      const paths = await innerPaths(model, plane, theta, batch.xs, batch.ys, rate, steps);
      expect(tf.memory().numTensors).toBe(before);
      expect(paths.tasks).toBe(5);
      expect(paths.coords.length).toBe(5 * (steps + 1) * 2);

      for (let s = 0; s <= steps; s++) {
        // the reference: the core's adapt() for s steps, flattened, projected in Float64 on the CPU
        const adapted = tf.tidy(() => {
          const split = typeof rate === 'number' ? rate : model.unflatten(rate);
          const params = adapt(model, model.unflatten(theta), batch.xs, batch.ys, split, s);
          return tf.reshape(tf.broadcastTo(model.flatten(params), [5, model.numParams]), [5, -1]);
        });
        const rows = adapted.dataSync();
        adapted.dispose();
        const ref = projectRows(plane, rows, 5);
        for (let t = 0; t < 5; t++) {
          for (let axis = 0; axis < 2; axis++) {
            const got = paths.coords[(t * (steps + 1) + s) * 2 + axis] as number;
            expect(Math.abs(got - (ref[2 * t + axis] as number))).toBeLessThan(1e-4);
          }
        }
      }
      // the path really moves, and starts at θ's own projection for every task
      const start = projectPoint(plane, theta0);
      expect(paths.coords[0]).toBeCloseTo(start[0], 4);
      expect(
        Math.hypot(
          (paths.coords[2 * steps] as number) - (paths.coords[0] as number),
          (paths.coords[2 * steps + 1] as number) - (paths.coords[1] as number),
        ),
      ).toBeGreaterThan(1e-4);
      theta.dispose();
      if (typeof rate !== 'number') rate.dispose();
      tf.dispose([batch.xs, batch.ys, batch.xq, batch.yq]);
    });
  }

  it('projects on the device like on the CPU and leaks nothing', () => {
    const { model, theta0, batch } = setup(3, 4, 5, 5);
    const plane = walkPlane(theta0, 4);
    const before = tf.memory().numTensors;
    const rows = tf.tensor2d(
      Float32Array.from({ length: 3 * model.numParams }, (_, i) => Math.sin(i)),
      [3, model.numParams],
    );
    const got = projectTensor(plane, rows);
    const ref = projectRows(plane, rows.dataSync(), 3);
    const values = got.dataSync();
    for (let i = 0; i < 6; i++) expect(values[i]).toBeCloseTo(ref[i] as number, 3);
    tf.dispose([rows, got]);
    const coords = innerPathCoords(model, plane, theta0, batch.xs, batch.ys, 0.01, 2);
    expect(coords.shape).toEqual([4, 3, 2]);
    coords.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([batch.xs, batch.ys, batch.xq, batch.yq]);
  });
});

/** The pretrained baseline's loss: MSE over the support and query points pooled. */
function plainLoss(model: Mlp, theta: tf.Tensor, batch: BatchTensors): number {
  return tf.tidy(() => {
    const p = model.unflatten(theta);
    const es = tf.sum(tf.squaredDifference(model.predict(p, batch.xs), batch.ys));
    const eq = tf.sum(tf.squaredDifference(model.predict(p, batch.xq), batch.yq));
    return tf.div(tf.add(es, eq), batch.ys.size + batch.yq.size).dataSync()[0] as number;
  });
}

describe('LossLandscape', () => {
  for (const algo of ['maml', 'metasgd'] as const) {
    it(`equals the meta-loss and the plain loss on the grid (${algo})`, () => {
      const { model, theta0, batch } = setup(5, 4, 5, 7);
      const learner = new MetaLearner(model, algo, theta0, { alpha: 0.02, beta: 0.01, inner: 2 });
      // a short meta-training run gives the plane
      const buf = new SnapshotBuffer({ capacity: 16 });
      for (let step = 0; step < 12; step++) {
        buf.record(step, learner.theta.dataSync() as Float32Array);
        const b = batchTensors(sinusoid.sampleBatch(new Rng(100 + step, 'train'), 4, 5, 5));
        learner.step(b).dispose();
        tf.dispose([b.xs, b.ys, b.xq, b.yq]);
      }
      buf.push(12, learner.theta.dataSync() as Float32Array);
      const plane = trajectoryPlane(buf) as Plane;
      const theta = learner.theta.dataSync().slice() as Float32Array;
      const centre = projectPoint(plane, theta);
      const span = landscapeSpan(plane, centre);
      expect(span).toBeGreaterThan(0);

      const before = tf.memory().numTensors;
      const land = new LossLandscape({
        model,
        basis: plane,
        centre: learner.theta,
        batch,
        rate: learner.innerRate(),
        steps: 2,
        span,
        resolution: 5,
        chunkSize: 3, // 25 points: 8 full chunks and a last one of 1
      });
      const held = tf.memory().numTensors;
      expect(land.chunkCount).toBe(9);
      expect(land.done).toBe(false);
      while (!land.next()) expect(tf.memory().numTensors).toBe(held); // no per-chunk leak
      expect(land.progress).toBe(1);
      land.dispose();
      expect(tf.memory().numTensors).toBe(before);

      const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
      const meta = (th: tf.Tensor) =>
        tf.tidy(() => learner.metaLoss(th, batch, learner.alphaVec).dataSync()[0] as number);
      // the centre is θ itself
      expect(land.x[2]).toBeCloseTo(centre[0], 5);
      expect(land.y[2]).toBeCloseTo(centre[1], 5);
      expect(rel(land.post[12] as number, meta(learner.theta))).toBeLessThan(1e-5);
      expect(rel(land.pre[12] as number, plainLoss(model, learner.theta, batch))).toBeLessThan(1e-5);
      // a corner: θ + a·d1 + b·d2 with a = −span, b = +span
      const corner = theta.map((v, k) => v - span * (plane.d1[k] as number) + span * (plane.d2[k] as number));
      const cornerT = tf.tensor1d(corner);
      expect(rel(land.post[20] as number, meta(cornerT))).toBeLessThan(1e-4);
      expect(rel(land.pre[20] as number, plainLoss(model, cornerT, batch))).toBeLessThan(1e-4);
      const [cx, cy] = projectPoint(plane, corner);
      expect(cx).toBeCloseTo(land.x[0] as number, 4);
      expect(cy).toBeCloseTo(land.y[4] as number, 4);
      cornerT.dispose();
      for (const v of [...land.pre, ...land.post]) expect(Number.isFinite(v)).toBe(true);

      // the chunking does not change the values
      const whole = new LossLandscape({
        model,
        basis: plane,
        centre: theta,
        batch,
        rate: learner.innerRate(),
        steps: 2,
        span,
        resolution: 5,
        chunkSize: 25,
      }).computeAll();
      whole.dispose();
      for (let i = 0; i < 25; i++) {
        expect(rel(whole.post[i] as number, land.post[i] as number)).toBeLessThan(1e-5);
        expect(rel(whole.pre[i] as number, land.pre[i] as number)).toBeLessThan(1e-5);
      }
      expect(tf.memory().numTensors).toBe(before);
      learner.dispose();
      tf.dispose([batch.xs, batch.ys, batch.xq, batch.yq]);
    });
  }
});
