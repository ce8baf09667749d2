import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SteppingRun } from '../src/worker/backend';
import { CLASSIFIER_BUDGET } from '../src/worker/host/backendPlan';
import { measureWithDeadline, OUTPACED, probeOutpaced, raceBackends, tfjsOutpaced } from '../src/worker/race';
import type { RaceEntry } from '../src/worker/protocol';
import { startBackend } from './helpers';

/**
 * The race's clock (`performance.now()`) is a fake one that only the stand-in runs' steps move, so
 * the rates below are exact whatever the machine's load.
 */
let clock = 0;
beforeEach(() => {
  clock = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => clock);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A stand-in run whose every step takes `ms` on the fake clock, counting its steps. */
function slowRun(ms: number) {
  const counter = { steps: 0, disposed: false };
  const run: SteppingRun = {
    step() {
      clock += ms;
      counter.steps += 1;
      return { meta: tf.scalar(1), pretrained: null };
    },
    dispose() {
      counter.disposed = true;
    },
  };
  return { run, counter };
}

const entry = (backend: RaceEntry['backend'], engine: RaceEntry['engine'], rate: number): RaceEntry => ({
  backend,
  engine,
  rate,
  bounded: false,
});

describe("auto's race", () => {
  it('stops timing a contender an order of magnitude behind the leader after a few steps', async () => {
    await startBackend('cpu');
    // 50 steps/s against a leader at 2,000: one warm-up step and 3 timed ones, not 8
    const behind = slowRun(20);
    const r = await measureWithDeadline(() => behind.run, 6000, 8, 2000);
    expect(behind.counter.steps).toBe(4);
    expect(r.bounded).toBe(false);
    expect(r.rate).toBeCloseTo(50);
    expect(behind.counter.disposed).toBe(true);
    // within reach of the leader (or with none), every step is timed
    const close = slowRun(20);
    await measureWithDeadline(() => close.run, 6000, 8, 100);
    expect(close.counter.steps).toBe(9);
    expect(tf.memory().numTensors).toBe(0);
  });

  it('leaves WebGPU tfjs untimed only when WebGPU fused was measured far behind the leader', () => {
    const wasmFused = entry('wasm', 'fused', 800);
    const wasmTfjs = entry('wasm', 'tfjs', 80);
    // the software adapter: WebGPU fused ~25 steps/s, 32× behind
    const why = tfjsOutpaced([wasmFused, wasmTfjs, entry('webgpu', 'fused', 25)]);
    expect(why).toMatch(/WebGPU fused.*32× slower than wasm fused/);
    // just within reach: timed
    expect(tfjsOutpaced([wasmFused, entry('webgpu', 'fused', 800 / OUTPACED + 1)])).toBeNull();
    // WebGPU fused leads, or was not measured (it failed to compile): tfjs is timed
    expect(tfjsOutpaced([wasmFused, entry('webgpu', 'fused', 2000)])).toBeNull();
    expect(tfjsOutpaced([wasmFused, wasmTfjs])).toBeNull();
    expect(tfjsOutpaced([])).toBeNull();
  });

  it('leaves a family without a fused engine to wasm tfjs, untimed, when the device probe puts WebGPU far behind', async () => {
    // the software adapter: the fused sinusoid step at ~30 steps/s on WebGPU against ~900 on wasm
    const slow = { wasm: 900, webgpu: 30, bounded: false };
    expect(probeOutpaced(slow)).toMatch(
      /probe of this device .* 30× slower on WebGPU than on wasm: 30\.0 against 900/,
    );
    expect(probeOutpaced({ ...slow, webgpu: 900 / OUTPACED + 1 })).toBeNull();
    expect(probeOutpaced({ ...slow, webgpu: 2000 })).toBeNull();
    expect(probeOutpaced(null)).toBeNull();
    await startBackend('cpu');
    const made: string[] = [];
    const makeRun = (engine: string) => {
      made.push(engine);
      return slowRun(1).run;
    };
    const noFused = { fused: false, fusedWebgpu: false, webgpu: true };
    const choice = await raceBackends(makeRun, 'cpu', CLASSIFIER_BUDGET, noFused, slow);
    // nothing is timed: the glyph network's first steps take seconds, and one contender is left
    expect(made).toEqual([]);
    expect(choice.winner).toMatchObject({ backend: 'wasm', engine: 'tfjs', untimed: true });
    expect(choice.entries).toEqual([]);
    expect(choice.skipped?.[0]).toMatchObject({ backend: 'webgpu', engine: 'tfjs' });
    expect(choice.probe).toEqual(slow);
    // a family with a fused engine is raced on its own workload whatever the probe said
    const sinusoid = await raceBackends(
      makeRun,
      'cpu',
      CLASSIFIER_BUDGET,
      { fused: true, fusedWebgpu: true, webgpu: false },
      slow,
    );
    expect(made).toContain('fused');
    expect(sinusoid.winner.untimed).toBeUndefined();
    expect(tf.getBackend()).toBe('cpu');
  });

  it('races a fused engine that runs on wasm only against wasm tfjs, and skips WebGPU tfjs when the probe puts it far behind', async () => {
    await startBackend('cpu');
    const slow = { wasm: 900, webgpu: 30, bounded: false };
    const made: string[] = [];
    const makeRun = (engine: string) => {
      made.push(engine);
      return slowRun(engine === 'fused' ? 2 : 40).run;
    };
    const wasmOnly = { fused: true, fusedWebgpu: false, webgpu: true };
    const choice = await raceBackends(makeRun, 'cpu', CLASSIFIER_BUDGET, wasmOnly, slow);
    expect(made).toEqual(['fused', 'tfjs']);
    expect(choice.entries.map((e) => `${e.backend} ${e.engine}`)).toEqual(['wasm fused', 'wasm tfjs']);
    expect(choice.winner).toMatchObject({ backend: 'wasm', engine: 'fused' });
    expect(choice.skipped?.[0]).toMatchObject({ backend: 'webgpu', engine: 'tfjs' });
    expect(choice.skipped?.[0]?.reason).toMatch(/probe of this device/);
    expect(choice.probe).toEqual(slow);
    expect(tf.getBackend()).toBe('cpu');
  });
});
