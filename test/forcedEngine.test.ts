import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
import { WorkerHost } from '../src/worker/host/host';
import type { EngineRequest, FromWorker } from '../src/worker/protocol';
import { startBackend } from './helpers';

function harness() {
  const seen: FromWorker[] = [];
  const host = new WorkerHost((m) => seen.push(m));
  const waitFor = async <K extends FromWorker['kind']>(kind: K, count = 1) => {
    for (let i = 0; i < 3000; i++) {
      const hits = seen.filter((m) => m.kind === kind);
      if (hits.length >= count) return hits[count - 1] as Extract<FromWorker, { kind: K }>;
      const error = seen.find((m) => m.kind === 'error');
      if (error) throw new Error(`host error: ${JSON.stringify(error)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no ${kind} message`);
  };
  return { host, seen, waitFor };
}

describe('a forced backend trains on its fastest engine', () => {
  it("wasm trains the sinusoid on the fused engine; engine=tfjs and the cpu backend keep tfjs kernels, with the run's state", async () => {
    await startBackend('wasm');
    const config = parseExperiment('batch=4&hidden=8,8').config;
    const { host, seen, waitFor } = harness();
    host.handle({
      kind: 'init',
      config,
      backend: 'wasm',
      wasmPath: '',
      resume: null,
      replayTo: null,
      view: null,
      evalTasks: 0,
    });
    expect(await waitFor('ready')).toMatchObject({ backend: 'wasm', engine: 'fused' });
    host.handle({ kind: 'step' });
    host.handle({ kind: 'step' });
    expect((await waitFor('progress', 2)).step).toBe(2);
    const switchTo = (request: 'wasm' | 'cpu', engine: EngineRequest) =>
      host.handle({ kind: 'backend', request, engine });
    switchTo('wasm', 'tfjs');
    expect(await waitFor('ready', 2)).toMatchObject({
      backend: 'wasm',
      engine: 'tfjs',
      resumed: true,
      step: 2,
    });
    switchTo('cpu', 'fused');
    expect(await waitFor('ready', 3)).toMatchObject({ backend: 'cpu', engine: 'tfjs', step: 2 });
    // engine=fused on cpu is said once, as a notice
    const notices = seen.filter((m) => m.kind === 'notice' && /engine=fused/.test(m.message));
    expect(notices).toHaveLength(1);
    host.handle({ kind: 'step' });
    expect((await waitFor('progress', 3)).step).toBe(3);
    await startBackend('wasm');
  }, 60_000);
});
