import { describe, expect, it } from 'vitest';
import { parseExperiment, type Experiment } from '../src/core/experiment';
import { loadFused } from '../src/core/engines/fused/wasmModule';
import type { AdamState } from '../src/core/meta/adam';
import { familyOf } from '../src/core/families/registry';
import { readRunFile, runFromState } from '../src/core/runs/resume';
import { encodeRunFile, runFileOf } from '../src/core/runs/runFile';
import type { RunEngine, TrainingState } from '../src/core/runs/trainingState';
import { bytes, relDiff, startBackend, train } from './helpers';

/**
 * Adam's moments across a backend switch and a crash restart. The page moves a run to another
 * backend (Switch, or a worker restarted on the next backend down after a crash) through its
 * exported training state, an autosave's run file when it restarts: θ with Adam's m, v and t, Meta-SGD's α with
 * its own optimiser, the baseline's optimiser and the task stream. Here: n steps on one backend →
 * run-file text → a new run on the other backend → m more steps, against a run that never stopped.
 * (test/resume.test.ts covers the restart on the same backend, bit for bit.)
 */

type Backend = 'cpu' | 'wasm';

const adamBytes = (a: AdamState | null | undefined) => (a ? { t: a.t, m: bytes(a.m), v: bytes(a.v) } : null);

/** Every vector of a state as bytes (equality to the last bit). */
function stateBytes(s: TrainingState) {
  return {
    step: s.step,
    theta: bytes(s.theta),
    thetaAdam: adamBytes(s.thetaAdam),
    alpha: bytes(s.alpha),
    alphaAdam: adamBytes(s.alphaAdam),
    pretrained: s.pretrained
      ? { theta: bytes(s.pretrained.theta), adam: adamBytes(s.pretrained.adam) }
      : null,
    stream: s.stream,
  };
}

/** The largest relative difference over every vector of two states (θ, α, the baseline, m and v). */
function stateDistance(a: TrainingState, b: TrainingState): number {
  const pairs: [Float32Array, Float32Array][] = [
    [a.theta, b.theta],
    [a.thetaAdam.m, b.thetaAdam.m],
    [a.thetaAdam.v, b.thetaAdam.v],
  ];
  if (a.alpha && b.alpha && a.alphaAdam && b.alphaAdam) {
    pairs.push([a.alpha, b.alpha], [a.alphaAdam.m, b.alphaAdam.m], [a.alphaAdam.v, b.alphaAdam.v]);
  }
  if (a.pretrained && b.pretrained) {
    const [p, q] = [a.pretrained, b.pretrained];
    pairs.push([p.theta, q.theta], [p.adam.m, q.adam.m], [p.adam.v, q.adam.v]);
  }
  return Math.max(...pairs.map(([x, y]) => relDiff(x, y)));
}

/** Adam restarted: the same θ, α and stream, every optimiser's moments and count back at zero. */
function withFreshMoments(s: TrainingState): TrainingState {
  const fresh = (a: AdamState): AdamState => ({
    t: 0,
    m: new Float32Array(a.m.length),
    v: new Float32Array(a.v.length),
  });
  return {
    ...s,
    thetaAdam: fresh(s.thetaAdam),
    alphaAdam: s.alphaAdam ? fresh(s.alphaAdam) : null,
    pretrained: s.pretrained ? { ...s.pretrained, adam: fresh(s.pretrained.adam) } : null,
  };
}

interface Moved {
  straight: TrainingState;
  moved: TrainingState;
  /** the moved run's state right after it opened on the other backend */
  opened: TrainingState;
  saved: TrainingState;
}

/** n + m steps on `from`; and n on `from` → run-file text → a new run on `to` → m more steps. */
async function moveAcross(
  config: Experiment,
  engine: RunEngine,
  from: Backend,
  to: Backend,
  n: number,
  m: number,
) {
  const family = familyOf(config.task);
  await startBackend(from);
  const straightRun = family.createRun(config, { engine });
  await train(straightRun, n + m);
  const straight = await straightRun.exportState();
  straightRun.dispose();

  const first = family.createRun(config, { engine });
  await train(first, n);
  const text = encodeRunFile(runFileOf(await first.exportState(), { backend: from }));
  first.dispose();
  const saved = readRunFile(text).state;

  await startBackend(to);
  const run = runFromState(saved, { engine });
  expect(run.engine).toBe(engine);
  const opened = await run.exportState();
  await train(run, m);
  const moved = await run.exportState();
  run.dispose();
  return { straight, moved, opened, saved } satisfies Moved;
}

/** The moved run opened with every moment and count it was saved with, to the bit. */
function expectMomentsCarried({ opened, saved }: Moved, n: number): void {
  expect(saved.thetaAdam.t).toBe(n);
  expect(stateBytes(opened)).toEqual(stateBytes(saved));
}

const regression = parseExperiment(
  'task=sinusoid&algo=metasgd&hidden=8,8&batch=3&k=4&query=4&inner=2&beta=0.01',
).config;
const glyphs = parseExperiment('task=glyphs&algo=maml&ways=2&batch=2&query=1&filters=4&beta=0.01').config;

describe("Adam's moments across a backend switch and a crash restart", () => {
  const N = 6;
  const M = 4;

  for (const [from, to] of [
    ['cpu', 'wasm'],
    ['wasm', 'cpu'],
  ] as const) {
    it(`regression, fused engine, ${from} → ${to}: continues bit-identically, moments included`, async () => {
      await loadFused();
      const r = await moveAcross(regression, 'fused', from, to, N, M);
      expectMomentsCarried(r, N);
      // the fused engine's arithmetic is its own WebAssembly, whichever tfjs backend holds the tensors
      expect(stateBytes(r.moved)).toEqual(stateBytes(r.straight));
      expect(r.moved.thetaAdam.t).toBe(N + M);
    });
  }

  for (const [config, what] of [
    [regression, 'regression (Meta-SGD)'],
    [glyphs, 'glyphs'],
  ] as const) {
    for (const [from, to] of [
      ['cpu', 'wasm'],
      ['wasm', 'cpu'],
    ] as const) {
      it(`${what}, tfjs engine, ${from} → ${to}: continues with the same moments, to float rounding`, async () => {
        const r = await moveAcross(config, 'tfjs', from, to, N, M);
        expectMomentsCarried(r, N);
        expect(r.moved.step).toBe(N + M);
        expect(r.moved.thetaAdam.t).toBe(N + M);
        expect(r.moved.stream).toEqual(r.straight.stream);
        // the backends round differently, so the continuation agrees to float rounding, not the bit
        const carried = stateDistance(r.moved, r.straight);
        expect(carried).toBeLessThan(1e-4);
        // and the check can tell: the same θ with Adam restarted lands far further away
        const restarted = runFromState(withFreshMoments(r.saved), { engine: 'tfjs' });
        await train(restarted, M);
        const reset = stateDistance(await restarted.exportState(), r.straight);
        restarted.dispose();
        expect(reset).toBeGreaterThan(100 * carried);
      });
    }
  }
});
