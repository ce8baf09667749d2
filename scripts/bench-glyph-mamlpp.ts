/**
 * MAML++ on the glyph conv net: the fused WebAssembly engine on one thread and with the
 * meta-batch's tasks split over `--threads N` (default 2; the same bits), against the tfjs
 * MetaLearner (tfjs-wasm backend, the run's tfjs path; `--tfjs 0` leaves it out) on the same θ₀
 * and meta-batches, timed side by side round by round so all see the same machine load. Both
 * phases: first order (firstOrder larger than the run) and second order (firstOrder=0).
 *
 *   npx tsx scripts/bench-glyph-mamlpp.ts [--rounds 4] [--threads 2] [--tfjs 0]
 *     [--link 'ways=5&k=1&query=3&batch=4']
 */
import * as tf from '@tensorflow/tfjs';
import { parseExperiment } from '../src/core/experiment';
import { startBackend } from '../src/cli/backend';
import { nodeGlyphThreads } from '../src/cli/engineThreads';
import { FusedGlyphEngine, wasmGlyphSettings } from '../src/core/engines/fusedGlyph/fusedGlyph';
import { classBatchTensors, classifierMetaModel } from '../src/core/families/glyphs/classification';
import { sampleGlyphBatch } from '../src/core/families/glyphs/data/sampler';
import { glyphHyper, metaClassifierFor } from '../src/core/families/glyphs/metaNet';
import { MetaLearner } from '../src/core/meta/learners';
import { Rng } from '../src/core/random';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const rounds = Number(arg('rounds', '4'));
const threads = Number(arg('threads', '2'));
const withTfjs = arg('tfjs', '1') !== '0';
const extra = arg('link', 'ways=5&k=1&query=3&batch=4&filters=32&inner=1');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function phase(label: string, firstOrder: number): Promise<void> {
  const config = parseExperiment(
    `task=glyphs&algo=mamlpp&${extra}&firstOrder=${firstOrder}&span=10000`,
  ).config;
  const model = metaClassifierFor(config);
  const theta0 = model.init(Rng.stream(config.seed, 'init'));
  const rng = Rng.stream(config.seed, 'bench');
  const spec = { split: 'train' as const, ways: config.ways, shots: config.k, query: config.query };
  const batches = Array.from({ length: 4 }, () => sampleGlyphBatch(rng, config.batch, spec));
  const engine = await FusedGlyphEngine.create(wasmGlyphSettings(config), theta0, { threads: null });
  const pool = await nodeGlyphThreads(threads);
  const many = await FusedGlyphEngine.create(wasmGlyphSettings(config), theta0, { threads: pool });
  const learner = new MetaLearner(classifierMetaModel(model), 'mamlpp', theta0, glyphHyper(config));
  const tensors = batches.map(classBatchTensors);
  const time = (steps: number, f: (i: number) => void) => {
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) f(i);
    return (performance.now() - t0) / steps;
  };
  const tfjsStep = (i: number) => {
    const loss = learner.step(tensors[i % tensors.length] as (typeof tensors)[number]);
    loss.dataSync();
    loss.dispose();
  };
  const batch = (i: number) => batches[i % batches.length] as (typeof batches)[number];
  // warm-up: kernels, the gradient tape and the helper threads (steps taken before the timing)
  for (let i = 0; i < 2; i++) {
    if (withTfjs) tfjsStep(i);
    engine.step(batch(i));
    many.step(batch(i));
  }
  const [fused, split, ref] = [[], [], []] as number[][];
  for (let r = 0; r < rounds; r++) {
    fused.push(time(4, (i) => engine.step(batch(i))));
    split.push(time(4, (i) => many.step(batch(i))));
    if (withTfjs) ref.push(time(2, tfjsStep));
  }
  const [f, m] = [median(fused), median(split)];
  const rate = (ms: number) => `${(1000 / ms).toFixed(2)} steps/s (${ms.toFixed(0)} ms)`;
  const t = withTfjs ? median(ref) : NaN;
  console.log(
    `${label}: fused ${rate(f)}, fused on ${threads} threads ${rate(m)}: ${(f / m).toFixed(2)}×` +
      (withTfjs ? `; tfjs-wasm ${rate(t)}: fused ${(t / f).toFixed(1)}×` : ''),
  );
  learner.dispose();
  engine.dispose();
  many.dispose();
  pool?.dispose();
  tf.dispose(tensors.flatMap((b) => [b.xs, b.ys, b.xq, b.yq]));
}

await startBackend('wasm');
console.log(
  `MAML++ glyphs, ${extra}, ${rounds} rounds, medians (load ${(await import('node:os')).loadavg()[0].toFixed(1)})`,
);
await phase('second order', 0);
await phase('first order', 1_000_000);
console.log(`load at the end ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
