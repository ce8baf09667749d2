/**
 * The fused glyph engine (src/core/engines/fusedGlyph) beside the tfjs MetaLearner on the
 * tfjs-wasm backend, interleaved round by round so both see the same machine load. Same network,
 * θ and batches (sampled before timing). Default: the glyph lab's benchmark configuration
 * (5-way 1-shot, 3 queries per class, meta-batch 4, 32 filters × 4 blocks, batch norm,
 * second-order MAML, 1 inner step).
 *
 *   npx tsx src/cli/benchFusedGlyph.ts [--rounds 5] [--seconds 2] [--filters 32] [--batch 4]
 *        [--ways 5] [--shots 1] [--query 3] [--inner 1] [--algo maml] [--net conv]
 */
import * as tf from '@tensorflow/tfjs';
import { startBackend } from './backend';
import { FusedGlyphEngine, type FusedGlyphSettings } from '../core/engines/fusedGlyph/fusedGlyph';
import { classBatchTensors, classifierMetaModel } from '../core/families/glyphs/classification';
import { glyphSet } from '../core/families/glyphs/data/hershey';
import { sampleGlyphBatch, type GlyphBatch } from '../core/families/glyphs/data/sampler';
import { MetaLearner } from '../core/meta/learners';
import { ConvNet } from '../core/models/convnet';
import { FcClassifier } from '../core/models/fcClassifier';
import type { Algo } from '../core/experiment';
import { Rng } from '../core/random';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const num = (name: string, fallback: number): number => Number(arg(name, String(fallback)));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Steps per second of `step` over about `seconds` (at least 2 steps). */
function rate(step: (i: number) => void, seconds: number): number {
  const t0 = performance.now();
  let n = 0;
  while (n < 2 || performance.now() - t0 < seconds * 1000) step(n++);
  return n / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const s: FusedGlyphSettings = {
    net: arg('net', 'conv') === 'fc' ? 'fc' : 'conv',
    ways: num('ways', 5),
    filters: num('filters', 32),
    blocks: 4,
    hidden: [256, 128, 64, 64],
    batchNorm: true,
    algo: arg('algo', 'maml') as Algo,
    alpha: 0.4,
    beta: 0.001,
    inner: num('inner', 1),
    shots: num('shots', 1),
    query: num('query', 3),
    maxTasks: num('batch', 4),
  };
  const rounds = num('rounds', 5);
  const seconds = num('seconds', 2);
  await startBackend('wasm');
  const model =
    s.net === 'conv'
      ? new ConvNet({ ways: s.ways, filters: s.filters, blocks: s.blocks })
      : new FcClassifier({ ways: s.ways, hidden: [...s.hidden] });
  const theta = model.init(new Rng(1, 'init'));
  const rng = new Rng(1, 'bench');
  const spec = { split: 'train' as const, ways: s.ways, shots: s.shots, query: s.query };
  const batches: GlyphBatch[] = Array.from({ length: 8 }, () =>
    sampleGlyphBatch(rng, s.maxTasks, spec, glyphSet()),
  );
  const tensors = batches.map(classBatchTensors);
  const hyper = { alpha: s.alpha, beta: s.beta, inner: s.inner };
  const learner = new MetaLearner(classifierMetaModel(model), s.algo, theta, hyper);
  const engine = await FusedGlyphEngine.create(s, theta);
  const fusedStep = (i: number) => engine.step(batches[i % batches.length] as GlyphBatch);
  const tfjsStep = (i: number) => {
    const loss = learner.step(tensors[i % tensors.length] as (typeof tensors)[number]);
    loss.dataSync();
    loss.dispose();
  };
  // warm up: V8 tiers wasm up after a while; tfjs-wasm compiles its kernels on first use
  rate(fusedStep, 1);
  rate(tfjsStep, 0.5);
  const fused: number[] = [];
  const ref: number[] = [];
  for (let r = 0; r < rounds; r++) {
    fused.push(rate(fusedStep, seconds));
    ref.push(rate(tfjsStep, seconds));
    const f = fused[r] as number;
    const t = ref[r] as number;
    console.log(
      `round ${r + 1}: fused ${f.toFixed(1)}, tfjs-wasm ${t.toFixed(2)} meta-steps/s (${(f / t).toFixed(1)}×)`,
    );
  }
  const ratios = fused.map((f, i) => f / (ref[i] as number));
  const before = engine.wasmCalls;
  fusedStep(0);
  const calls = engine.wasmCalls - before;
  console.log(
    `${s.net} ${s.ways}-way ${s.shots}-shot, ${s.query} queries, meta-batch ${s.maxTasks}, ${s.filters} filters, ` +
      `${s.algo}, ${s.inner} inner: fused ${median(fused).toFixed(1)}, tfjs-wasm ${median(ref).toFixed(2)} ` +
      `meta-steps/s (medians of ${rounds} interleaved rounds); ratio median ${median(ratios).toFixed(1)}×; ` +
      `wasm calls per meta-step ${calls}`,
  );
  engine.dispose();
  learner.dispose();
  tensors.forEach((t) => tf.dispose([t.xs, t.ys, t.xq, t.yq]));
}

await main();
