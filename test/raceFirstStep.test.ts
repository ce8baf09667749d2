import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
import { WorkerHost } from '../src/worker/host/host';
import type { FromWorker } from '../src/worker/protocol';
import { startBackend } from './helpers';

/** The heaviest sinusoid link the schema allows: seconds a step with tfjs kernels on wasm. */
const HEAVY = 'inner=10&batch=100&hidden=256,256&k=10';

describe('auto mode never holds the first step for the race', () => {
  it('posts the first training step on the fused engine before the race, which skips wasm tfjs by its prediction', async () => {
    await startBackend('wasm');
    const config = parseExperiment(HEAVY).config;
    const seen: { at: number; msg: FromWorker }[] = [];
    const t0 = performance.now();
    const host = new WorkerHost((msg) => seen.push({ at: performance.now() - t0, msg }));
    host.handle({
      kind: 'init',
      config,
      backend: 'auto',
      wasmPath: '',
      resume: null,
      replayTo: null,
      view: null,
      evalTasks: 0,
    });
    host.handle({ kind: 'play' });
    const find = (pred: (m: FromWorker) => boolean) => seen.find((s) => pred(s.msg));
    for (let i = 0; i < 12_000 && !find((m) => m.kind === 'benchmark'); i++) {
      const error = find((m) => m.kind === 'error');
      if (error) throw new Error(JSON.stringify(error.msg));
      await new Promise((r) => setTimeout(r, 10));
    }
    host.handle({ kind: 'pause' });
    const ready = find((m) => m.kind === 'ready');
    expect(ready?.msg).toMatchObject({ backend: 'wasm', engine: 'fused' });
    const first = find((m) => m.kind === 'progress' && m.step >= 1);
    const race = find((m) => m.kind === 'benchmark');
    expect(first && race).toBeTruthy();
    // the first step was posted before the race (which holds the worker for seconds) reported
    // (how many seconds that takes is the machine's speed, which the benchmarks measure)
    expect(first!.at).toBeLessThan(race!.at);
    expect(ready!.at).toBeLessThan(first!.at);
    const choice = race!.msg.kind === 'benchmark' ? race!.msg.choice : null;
    expect(choice?.winner).toMatchObject({ backend: 'wasm', engine: 'fused' });
    // wasm tfjs was predicted from meta-batch 1 and 2, not timed on the full workload
    expect(choice?.skipped?.find((s) => s.engine === 'tfjs' && s.backend === 'wasm')?.reason).toMatch(
      /meta-batch 1 and 2 predict/,
    );
    expect(choice?.entries.map((e) => `${e.backend} ${e.engine}`)).toEqual(['wasm fused']);
  }, 180_000);
});
