/**
 * Fused engine, tfjs-wasm and the PyTorch peer on the paper's sinusoid configuration (second-order
 * MAML, meta-batch 25), interleaved round by round so all three see the same machine load: on a
 * shared machine, back-to-back blocks can differ by 2× from load alone.
 */
import { DEFAULT_EXPERIMENT, layerSizes } from '../core/experiment';
import { FusedMlpEngine } from '../core/engines/fused/fusedMlp';
import { createRegressionRun } from '../core/families/regression/lookup';
import { Mlp } from '../core/models/mlp';
import { Rng } from '../core/random';
import { sinusoid } from '../core/families/sinusoid/sampler';
import { startBackend } from './backend';
import { startPeer } from './benchPeer';

export interface SideBySide {
  config: string;
  rounds: number;
  fused: number[];
  tfjsWasm: number[];
  peer: number[] | null;
  median: { fused: number; tfjsWasm: number; peer: number | null };
  peerInfo: { torch: string; threads: number; python: string } | { skipped: string };
}

/** Runs f for about a second per call: n steps, with n from a first timing. */
function timer(step: () => void, warm: number): () => number {
  const timed = (n: number) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) step();
    return n / ((performance.now() - t0) / 1000);
  };
  const n = Math.max(3, Math.round(timed(warm)));
  return () => timed(n);
}

export async function sideBySide(rounds: number, median: (xs: number[]) => number): Promise<SideBySide> {
  const config = { ...DEFAULT_EXPERIMENT };
  const peer = await startPeer(config.batch, 150);
  const sizes = layerSizes(config);
  const engine = await FusedMlpEngine.create(
    { sizes, algo: config.algo, alpha: config.alpha, beta: config.beta, inner: config.inner },
    new Mlp(sizes).init(Rng.stream(config.seed, 'init')),
  );
  const rng = Rng.stream(config.seed, 'train');
  const fusedStep = () => engine.step(sinusoid.sampleBatch(rng, config.batch, config.k, config.query));
  for (let i = 0; i < 300; i++) fusedStep(); // let V8 tier the wasm up
  const fused = timer(fusedStep, 500);
  await startBackend('wasm');
  const run = createRegressionRun(config, { pretrained: false });
  // the loss is read back every step, as a training loop showing it would
  const tfjsStep = () => {
    const { meta } = run.step();
    meta.dataSync();
    meta.dispose();
  };
  const tfjs = timer(tfjsStep, 30);
  const out = { fused: [] as number[], tfjsWasm: [] as number[], peer: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    out.fused.push(fused());
    out.tfjsWasm.push(tfjs());
    if (!('skipped' in peer)) out.peer.push(await peer.run());
  }
  run.dispose();
  engine.dispose();
  const round1 = (xs: number[]) => xs.map((x) => Number(x.toFixed(1)));
  const hasPeer = !('skipped' in peer);
  if (hasPeer) peer.close();
  return {
    config: 'sinusoid, MLP 1-40-40-1, second-order MAML, batch 25, K 10, Q 10, 1 inner step',
    rounds,
    fused: round1(out.fused),
    tfjsWasm: round1(out.tfjsWasm),
    peer: hasPeer ? round1(out.peer) : null,
    median: {
      fused: Number(median(out.fused).toFixed(1)),
      tfjsWasm: Number(median(out.tfjsWasm).toFixed(1)),
      peer: hasPeer ? Number(median(out.peer).toFixed(1)) : null,
    },
    peerInfo: hasPeer ? { torch: peer.torch, threads: peer.threads, python: peer.python } : peer,
  };
}
