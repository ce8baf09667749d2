/**
 * Headless meta-training with the same core as the browser:
 *   npm run train -- --config '<query string or share URL>' --steps N --backend wasm --json out.json
 * Progress on stderr, the evaluation table on stdout, the full result as JSON.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import {
  ALGO_LABELS,
  layerSizes,
  parseExperiment,
  serializeExperiment,
  type Experiment,
} from '../core/experiment';
import { DEFAULT_EVAL, evaluate, makeEvalTasks, type EvalCurve } from '../core/meta/evaluate';
import { decodeGlyphTheta, GlyphRun, type AccuracyCurve } from '../core/meta/glyphRun';
import { ExperimentRun } from '../core/meta/run';
import { decodeTheta, encodeTheta, type SavedTheta } from '../core/thetaFile';
import { Mlp } from '../core/models/mlp';
import { parseFlags, runMain, UsageError } from './args';
import { NODE_BACKENDS, startBackend, type NodeBackend } from './backend';
import { formatDuration, Progress } from './progress';

const USAGE = `usage: npm run train -- [--config '<query string or share URL>'] [--steps N] [--backend wasm|cpu]
                       [--json out.json] [--eval-tasks N] [--eval-steps N] [--eval-seed 2017] [--no-pretrained]
                       [--save-theta theta.json] [--init theta.json (start from a saved θ)]
                       [--pretrained-only (glyphs: train only the pretrained baseline; θ stays as --init gave it)]
  sinusoid: evaluation defaults to 600 tasks, 0..10 inner steps (MSE); glyphs: 200 tasks, 0..5 steps (accuracy)`;

export interface TrainResult {
  config: Experiment;
  query: string;
  backend: NodeBackend;
  steps: number;
  seconds: number;
  metaStepsPerSecond: number;
  finalMetaLoss: number | null;
  eval: {
    tasks: number;
    k: number;
    points: number;
    seed: number;
    innerSteps: number[];
    maml: EvalCurve;
    pretrained?: EvalCurve;
    random: EvalCurve;
  };
}

export function formatTable(result: TrainResult): string {
  const e = result.eval;
  const cols: [string, EvalCurve | undefined][] = [
    [ALGO_LABELS[result.config.algo], e.maml],
    ['pretrained', e.pretrained],
    ['random init', e.random],
  ];
  const present = cols.filter((c): c is [string, EvalCurve] => c[1] !== undefined);
  // Meta-SGD's learned rates are tuned for the inner steps it trained with; past them it can blow up
  const cell = (c: EvalCurve, i: number) => {
    const m = c.mse[i] as number;
    const text =
      Number.isFinite(m) && m < 1e6 ? `${m.toFixed(3)} ± ${(c.ci95[i] as number).toFixed(3)}` : 'diverged';
    return text.padStart(22);
  };
  const lines = [
    `MSE on ${e.tasks} held-out tasks (K=${e.k}, ${e.points} query points, 95% CI) after n inner steps, α=${result.config.alpha}:`,
    `${'n'.padStart(3)} ${present.map(([name]) => name.padStart(22)).join('')}`,
  ];
  for (let i = 0; i < e.innerSteps.length; i++) {
    lines.push(`${String(e.innerSteps[i]).padStart(3)} ${present.map(([, c]) => cell(c, i)).join('')}`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), {
    config: { type: 'string' },
    steps: { type: 'int', min: 0, max: 10_000_000 },
    backend: { type: 'string', choices: NODE_BACKENDS },
    json: { type: 'string' },
    'eval-tasks': { type: 'int', min: 1, max: 10_000 },
    'eval-steps': { type: 'int', min: 0, max: 100 },
    'eval-seed': { type: 'int', min: 0, max: 4294967295 },
    'no-pretrained': { type: 'boolean' },
    'save-theta': { type: 'string' },
    init: { type: 'string' },
    'pretrained-only': { type: 'boolean' },
    help: { type: 'boolean' },
  });
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const { config, warnings } = parseExperiment(String(flags.config ?? ''), { ignore: ['step', 'backend'] });
  for (const w of warnings) process.stderr.write(`warning: ${w.message}\n`);
  if (warnings.some((w) => w.message.startsWith('unknown parameter'))) {
    throw new UsageError(`--config has unknown parameters (see warnings above)`);
  }
  const steps = (flags.steps as number | undefined) ?? 1000;
  const backend = (flags.backend as NodeBackend | undefined) ?? 'wasm';
  await startBackend(backend);

  const glyphs = config.task === 'glyphs';
  const pretrainedOnly = flags['pretrained-only'] === true;
  if (pretrainedOnly && (!glyphs || flags['no-pretrained'] || typeof flags.init !== 'string')) {
    throw new UsageError('--pretrained-only needs task=glyphs and --init θ.json (and no --no-pretrained)');
  }
  const protocol = {
    ...DEFAULT_EVAL,
    k: config.k,
    tasks: (flags['eval-tasks'] as number | undefined) ?? (glyphs ? 200 : DEFAULT_EVAL.tasks),
    steps: (flags['eval-steps'] as number | undefined) ?? (glyphs ? 5 : DEFAULT_EVAL.steps),
    seed: (flags['eval-seed'] as number | undefined) ?? DEFAULT_EVAL.seed,
  };
  process.stderr.write(`config: ${serializeExperiment(config)}  backend: ${backend}  steps: ${steps}\n`);

  let saved: SavedTheta | undefined;
  if (typeof flags.init === 'string') {
    const text = readFileSync(flags.init, 'utf8');
    saved = glyphs ? decodeGlyphTheta(text) : decodeTheta(text, (c) => new Mlp(layerSizes(c)).numParams);
    const same = (a: Experiment, b: Experiment) =>
      a.task === b.task &&
      a.ways === b.ways &&
      a.net === b.net &&
      a.filters === b.filters &&
      a.hidden.join() === b.hidden.join();
    if (!same(saved.config, config))
      throw new UsageError(
        `--init θ was trained for ${serializeExperiment(saved.config)}: a different network`,
      );
    process.stderr.write(
      `starting from θ in ${flags.init} (meta-step ${saved.step} of ${serializeExperiment(saved.config)})` +
        `${saved.pretrained ? `, pretrained baseline from its ${saved.pretrained.step} steps` : ''}\n`,
    );
    if (pretrainedOnly && saved.pretrained) {
      throw new UsageError(`${flags.init} already carries a pretrained baseline`);
    }
  }
  const options = {
    pretrained: !flags['no-pretrained'],
    ...(saved ? { theta: saved.theta } : {}),
    ...(saved?.pretrained
      ? { pretrainedTheta: { theta: saved.pretrained.body, step: saved.pretrained.step } }
      : {}),
  };
  const run = glyphs ? new GlyphRun(config, options) : new ExperimentRun(config, options);
  if (pretrainedOnly) process.stderr.write(`training only the pretrained baseline (θ stays)\n`);
  const progress = new Progress(steps);
  let smoothed: number | null = null;
  let lastLoss: number | null = null;
  const start = performance.now();
  for (let s = 1; s <= steps; s++) {
    const { meta, pretrained } =
      pretrainedOnly && run instanceof GlyphRun ? { meta: run.pretrainStep(), pretrained: null } : run.step();
    pretrained?.dispose();
    if (s % 50 === 0 || s === steps) {
      const v = (await meta.data())[0] as number; // async read-back, every 50 steps only
      lastLoss = v;
      if (!Number.isFinite(v)) throw new Error(`meta-loss became ${v} at step ${s}: lower alpha or beta`);
      smoothed = smoothed === null ? v : 0.9 * smoothed + 0.1 * v;
      progress.update(s, smoothed, s === steps);
    }
    meta.dispose();
  }
  progress.done();
  const seconds = (performance.now() - start) / 1000;

  if (typeof flags['save-theta'] === 'string') {
    const theta = (await run.learner.theta.data()) as Float32Array;
    const alpha = run.learner.alphaVec ? ((await run.learner.alphaVec.data()) as Float32Array) : null;
    const pretrainer = run instanceof GlyphRun ? run.pretrainer : null;
    const pretrained = pretrainer ? { body: await pretrainer.body(), step: pretrainer.stepCount } : null;
    const step = (saved?.step ?? 0) + (pretrainedOnly ? 0 : steps);
    writeFileSync(flags['save-theta'], encodeTheta({ config, step, theta, alpha, pretrained }));
    process.stderr.write(`wrote θ to ${flags['save-theta']}\n`);
  }

  const header = {
    config,
    query: serializeExperiment(config),
    backend,
    steps,
    seconds,
    metaStepsPerSecond: steps / Math.max(seconds, 1e-9),
    finalMetaLoss: lastLoss,
  };
  process.stderr.write(`evaluating on ${protocol.tasks} held-out tasks...\n`);
  if (run instanceof GlyphRun) {
    const curves = await run.evaluate(protocol);
    const result = {
      ...header,
      eval: {
        tasks: protocol.tasks,
        ways: config.ways,
        k: config.k,
        query: config.query,
        seed: protocol.seed,
        split: 'test (held-out alphabets)',
        innerSteps: Array.from({ length: protocol.steps + 1 }, (_, i) => i),
        ...curves,
      },
    };
    run.dispose();
    process.stdout.write(`${formatAccuracyTable(result.eval, config)}\n`);
    finish(result, flags.json, steps, seconds, backend);
    return;
  }
  const curves = await evaluate(
    run.model,
    run.methods(),
    makeEvalTasks(run.family, protocol),
    protocol.steps,
  );
  const result: TrainResult = {
    ...header,
    eval: {
      tasks: protocol.tasks,
      k: protocol.k,
      points: protocol.points,
      seed: protocol.seed,
      innerSteps: Array.from({ length: protocol.steps + 1 }, (_, i) => i),
      maml: curves.maml as EvalCurve,
      ...(curves.pretrained ? { pretrained: curves.pretrained } : {}),
      random: curves.random as EvalCurve,
    },
  };
  run.dispose();
  process.stdout.write(`${formatTable(result)}\n`);
  finish(result, flags.json, steps, seconds, backend);
}

function finish(result: object, json: unknown, steps: number, seconds: number, backend: string): void {
  process.stdout.write(
    `trained ${steps} meta-steps in ${formatDuration(seconds)} (${(steps / Math.max(seconds, 1e-9)).toFixed(2)} steps/s on ${backend}); ${tf.memory().numTensors} tensors live\n`,
  );
  if (typeof json === 'string') {
    writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
    process.stderr.write(`wrote ${json}\n`);
  }
}

export function formatAccuracyTable(
  e: { tasks: number; ways: number; k: number; query: number; innerSteps: number[] } & Record<
    string,
    unknown
  >,
  config: Experiment,
): string {
  const cols: [string, AccuracyCurve | undefined][] = [
    [ALGO_LABELS[config.algo], e.maml as AccuracyCurve | undefined],
    ['pretrained', e.pretrained as AccuracyCurve | undefined],
    ['random init', e.random as AccuracyCurve | undefined],
  ];
  const present = cols.filter((c): c is [string, AccuracyCurve] => c[1] !== undefined);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines = [
    `Accuracy on ${e.tasks} held-out-alphabet tasks (${e.ways}-way ${e.k}-shot, ${e.query} queries per class, 95% CI) after n inner steps, α=${config.alpha}:`,
    `${'n'.padStart(3)} ${present.map(([name]) => name.padStart(22)).join('')}`,
  ];
  e.innerSteps.forEach((n, i) => {
    const cells = present.map(([, c]) =>
      `${pct(c.accuracy[i] as number)} ± ${pct(c.ci95[i] as number)}`.padStart(22),
    );
    lines.push(`${String(n).padStart(3)} ${cells.join('')}`);
  });
  return lines.join('\n');
}

runMain(main);
