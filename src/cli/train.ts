/**
 * Headless meta-training with the same core as the browser:
 *   npm run train -- --config '<query string or share URL>' --steps N --backend wasm --json out.json
 *   npm run train -- --config '...' --steps N --save-run run.json; npm run train -- --resume run.json --steps M
 * Progress on stderr, the evaluation table on stdout, the full result as JSON.
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { parseExperiment, serializeExperiment, type Experiment } from '../core/experiment';
import { familyOf, registeredFamilies } from '../core/families/registry';
import { encodeTheta } from '../core/thetaFile';
import { initRates, readInitTheta, type InitTheta } from './initTheta';
import type { FamilyRun, StepLosses } from '../core/families/family';
import { runFromState } from '../core/runs/resume';
import type { RunData, RunFile } from '../core/runs/runFile';
import { META_LOSS } from '../core/schema';
import { parseFlags, runMain, UsageError } from './args';
import { checkResumeConfig, parseRunHead, readRunHead, RunSaver, type RunHead } from './runFiles';
import { NODE_BACKENDS, startBackend, type NodeBackend } from './backend';
import { formatDuration, Progress } from './progress';
import { installTrainThreads } from './engineThreads';
import { imagesJson, loadImagesFlag, type ImagesJson } from './imagesFlag';
import { readTaskFile, type DataFlags } from './taskFile';

/** The registered families' evaluation protocols, families sharing one named together. */
function evalDefaultsText(): string {
  const groups = new Map<string, string[]>();
  for (const name of registeredFamilies()) {
    const { evalDefaults, metric } = familyOf(name);
    const what = `${evalDefaults.tasks} tasks, 0..${evalDefaults.steps} inner steps (${metric.name})`;
    groups.set(what, [...(groups.get(what) ?? []), name]);
  }
  return [...groups].map(([what, names]) => `${names.join(', ')}: ${what}`).join('; ');
}

const USAGE = `usage: npm run train -- [--config '<query string or share URL>'] [--steps N] [--backend wasm|cpu]
                       [--tasks curves.csv (a family that reads its tasks from your file: task, x, y columns)]
                       [--columns task,x,y (--tasks' columns by header name or 0-based index, where the reader's choice is not yours)]
                       [--json out.json] [--eval-tasks N] [--eval-steps N] [--eval-seed 2017] [--no-pretrained]
                       [--save-theta theta.json] [--init theta.json (start from a saved θ, or the glyph lab's θ file)]
                       [--pretrained-only (train only the pretrained baseline, where the family can; θ stays as --init gave it)]
                       [--lenient (fix invalid --config values with a warning instead of refusing them)]
                       [--images <folder or .zip> (image classes to import: one folder per class, see docs/own-images.md)]
                       [--engine auto|fused|tfjs (auto: the fused WebAssembly meta-step where the family has one)]
                       [--threads N (the fused few-shot classifier engine: the meta-batch's tasks over N threads, same bits; default 1)]
                       [--save-run run.json (the whole run: θ, optimiser moments, baseline, task stream, curves;
                                             written at the end, every minute while training, and on Ctrl-C,
                                             which then stops after the current meta-step with status 130)]
                       [--embed-data (--save-run's file also carries the --tasks file or the --images archive, so --resume needs neither)]
                       [--resume run.json (continue a saved run exactly: its settings, engine and step; --steps N
                                           trains N more meta-steps. --config may only repeat the file's values,
                                           or with --lenient change what a running run can: alpha, beta, inner,
                                           k, query, batch, algo)]
  evaluation defaults: ${evalDefaultsText()}`;

export interface TrainResult {
  config: Experiment;
  query: string;
  backend: NodeBackend;
  /** which implementation trained: the fused WebAssembly meta-step or tfjs kernels on `backend` */
  engine: 'tfjs' | 'fused';
  /** meta-steps trained by this command */
  steps: number;
  /** the run's meta-step at the end (a resumed run's count continues) */
  step: number;
  seconds: number;
  metaStepsPerSecond: number;
  finalMetaLoss: number | null;
  eval: Record<string, unknown>;
  /** --images: what was imported (its SHA-256 identifies the data) */
  images?: ImagesJson;
  /** SHA-256 of the --tasks file the run trained on */
  dataHash?: string;
}

type Flags = Record<string, string | number | boolean>;
type EngineFlag = 'auto' | 'fused' | 'tfjs';

const FLAGS = {
  config: { type: 'string' },
  tasks: { type: 'string' },
  columns: { type: 'string' },
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
  lenient: { type: 'boolean' },
  engine: { type: 'string', choices: ['auto', 'fused', 'tfjs'] },
  threads: { type: 'int', min: 1, max: 256 },
  'save-run': { type: 'string' },
  'embed-data': { type: 'boolean' },
  resume: { type: 'string' },
  images: { type: 'string' },
  help: { type: 'boolean' },
} as const;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const { resumed, config, changes, data, images } = await readInputs(flags);
  const family = familyOf(config.task);
  const steps = (flags.steps as number | undefined) ?? 1000;
  const backend = (flags.backend as NodeBackend | undefined) ?? 'wasm';
  await startBackend(backend);

  const pretrainedOnly = flags['pretrained-only'] === true;
  if (pretrainedOnly && (flags['no-pretrained'] || typeof flags.init !== 'string')) {
    throw new UsageError('--pretrained-only needs --init θ.json (and no --no-pretrained)');
  }
  const request = {
    tasks: (flags['eval-tasks'] as number | undefined) ?? family.evalDefaults.tasks,
    steps: (flags['eval-steps'] as number | undefined) ?? family.evalDefaults.steps,
    seed: (flags['eval-seed'] as number | undefined) ?? 2017,
  };
  process.stderr.write(`config: ${serializeExperiment(config)}  backend: ${backend}  steps: ${steps}\n`);

  const saved =
    typeof flags.init === 'string' ? readInitTheta(flags.init, config, pretrainedOnly) : undefined;
  const engineFlag = (flags.engine as EngineFlag | undefined) ?? 'auto';
  if (engineFlag !== 'tfjs') await family.loadFusedEngine?.();
  await installTrainThreads(flags.threads as number | undefined, config.task, engineFlag);
  const run = resumed
    ? resumedRun(resumed, config, changes.length > 0, engineFlag, backend, flags.resume as string)
    : newRun(config, engineFlag, flags['no-pretrained'] !== true, saved, pretrainedOnly);
  const pretrainStep = run.pretrainStep?.bind(run);
  checkRunFits(run, config, engineFlag, pretrainedOnly && !pretrainStep, backend);
  if (pretrainedOnly) process.stderr.write(`training only the pretrained baseline (θ stays)\n`);
  const saveRun = typeof flags['save-run'] === 'string' ? flags['save-run'] : null;
  const embed = flags['embed-data'] || resumed?.data ? data : null; // an embedding file stays whole
  const saver = saveRun ? new RunSaver(run, saveRun, resumed, backend, embed) : null;
  const oneStep = (): StepLosses | Promise<StepLosses> =>
    pretrainedOnly && pretrainStep
      ? { meta: pretrainStep(), pretrained: null }
      : (run.stepAsync?.() ?? run.step());
  const quantity = (family.schema.trainingQuantity ?? META_LOSS).name;
  const trained = await trainSteps(run, steps, oneStep, saver, quantity);
  if (trained.interrupted) {
    run.dispose();
    process.exitCode = 130;
    return;
  }
  if (typeof flags['save-theta'] === 'string') await saveTheta(run, config, flags['save-theta']);

  process.stderr.write(`evaluating on ${request.tasks} held-out tasks...\n`);
  const report = await run.evaluateReport(request);
  const [step, engine] = [run.stepCount, run.engine];
  run.dispose();
  const result: TrainResult = {
    config,
    query: serializeExperiment(config),
    backend,
    engine,
    steps: trained.steps,
    step,
    seconds: trained.seconds,
    metaStepsPerSecond: trained.steps / Math.max(trained.seconds, 1e-9),
    finalMetaLoss: trained.lastLoss,
    eval: report.json,
    ...(images ? { images } : {}),
    ...(data ? { dataHash: data.hash } : {}),
  };
  process.stdout.write(`${report.table}\n`);
  finish(result, flags.json, trained.steps, trained.seconds, backend);
}

/**
 * --resume's file, the data (--tasks or the file's own, and --images) and the settings, in the
 * order a run of imported data needs: the data is loaded before the file's state is read, whose
 * sizes depend on it. Flag combinations are refused before anything loads.
 */
async function readInputs(flags: Flags): Promise<{
  resumed: RunFile | null;
  config: Experiment;
  changes: string[];
  data: RunData | null;
  images: ImagesJson | null;
}> {
  const head = typeof flags.resume === 'string' ? readRunHead(flags.resume) : null;
  checkFlagCombinations(flags, head);
  const config = readConfig(flags, head);
  const changes = head ? checkResumeConfig(head.config, config, flags.lenient === true) : [];
  const data = await readTaskFile(familyOf(config.task), config, flags as DataFlags, head?.data ?? null);
  const loaded = typeof flags.images === 'string' ? await loadImagesFlag(flags.images) : null;
  const resumed = head ? parseRunHead(head) : null;
  if (flags['no-pretrained'] && resumed?.state.pretrained) {
    throw new UsageError(
      '--no-pretrained: the run file trains a pretrained baseline, which a resumed run keeps',
    );
  }
  const images = loaded ? imagesJson(loaded.set) : null;
  return { resumed, config, changes, data: loaded?.data ?? data, images };
}

/** Flags that contradict each other or the run file, refused before anything loads. */
function checkFlagCombinations(flags: Flags, resumed: RunHead | null): void {
  if (resumed) {
    for (const other of ['init', 'pretrained-only'] as const) {
      if (flags[other])
        throw new UsageError(`--resume cannot be combined with --${other}: the run file carries θ`);
    }
  }
  const dataGiven = flags.tasks || flags.images || resumed?.data;
  if (flags['embed-data'] && (typeof flags['save-run'] !== 'string' || !dataGiven)) {
    throw new UsageError('--embed-data needs --save-run and the data to embed (--tasks FILE or --images)');
  }
  if (typeof flags.columns === 'string' && !(flags.tasks || resumed?.data)) {
    throw new UsageError(
      '--columns needs the table it picks from (--tasks FILE, or a run file that embeds it)',
    );
  }
  if (flags['pretrained-only'] && typeof flags['save-run'] === 'string') {
    throw new UsageError('--save-run cannot be combined with --pretrained-only (it takes no meta-steps)');
  }
}

/** The --config experiment (on the run file's settings when resuming); invalid values refuse unless --lenient. */
function readConfig(flags: Flags, resumed: RunHead | null): Experiment {
  const { config, warnings } = parseExperiment(String(flags.config ?? ''), {
    ignore: ['step', 'backend'],
    ...(resumed ? { base: resumed.config } : {}),
  });
  const lenient = flags.lenient === true;
  const unknown = warnings.filter((w) => w.message.startsWith('unknown parameter'));
  if (unknown.length > 0 || (warnings.length > 0 && !lenient)) {
    // a link opened in the page is fixed and explained; a terminal run must do what it was asked
    for (const w of warnings) process.stderr.write(`  --config: ${w.message}\n`);
    throw new UsageError(
      unknown.length > 0
        ? `--config has unknown parameters (see above)`
        : `--config has ${warnings.length === 1 ? 'an invalid value' : `${warnings.length} invalid values`} (see above): fix ${warnings.length === 1 ? 'it' : 'them'}, or pass --lenient to run with the corrections`,
    );
  }
  for (const w of warnings) process.stderr.write(`warning: ${w.message}\n`);
  return config;
}

/** A new run of the config, from the seed or from --init's θ (continuing its step count). */
function newRun(
  config: Experiment,
  engineFlag: EngineFlag,
  pretrained: boolean,
  saved: InitTheta | undefined,
  pretrainedOnly: boolean,
): FamilyRun {
  const rates = initRates(config, saved);
  const run = familyOf(config.task).createRun(config, {
    // the baseline alone trains on tfjs (the fused step trains it beside a meta-step)
    engine: engineFlag === 'tfjs' || pretrainedOnly ? 'tfjs' : 'fused',
    pretrained,
    ...(saved ? { theta: saved.theta } : {}),
    ...(rates ? { alpha: rates } : {}),
    ...(saved?.pretrained
      ? { pretrainedTheta: { theta: saved.pretrained.body, step: saved.pretrained.step } }
      : {}),
  });
  run.stepCount = saved?.step ?? 0;
  return run;
}

/** The run a run file continues, with --lenient's changed settings applied. */
function resumedRun(
  file: RunFile,
  config: Experiment,
  changed: boolean,
  engineFlag: EngineFlag,
  backend: NodeBackend,
  path: string,
): FamilyRun {
  const run = resumeRun(file, engineFlag, backend, path);
  if (changed) {
    run.update(config);
    process.stderr.write(
      `warning: --lenient: continuing with the changed settings above from step ${run.stepCount}\n`,
    );
  }
  return run;
}

/** Refuse what the run cannot do (a baseline alone, the fused engine), then say which engine trains. */
function checkRunFits(
  run: FamilyRun,
  config: Experiment,
  engineFlag: EngineFlag,
  noPretrainStep: boolean,
  backend: NodeBackend,
): void {
  if (noPretrainStep) {
    throw new UsageError(`--pretrained-only: ${config.task} runs cannot train the baseline alone`);
  }
  if (engineFlag === 'fused' && run.engine !== 'fused') {
    throw new UsageError(`--engine fused: ${config.task} runs have no fused engine (use tfjs)`);
  }
  process.stderr.write(
    `engine: ${run.engine === 'fused' ? 'fused WebAssembly meta-step' : `tfjs (${backend})`}\n`,
  );
}

interface Trained {
  steps: number;
  seconds: number;
  lastLoss: number | null;
  interrupted: boolean;
}

/** Train `steps` meta-steps with progress on stderr; the loss is read back every 50 steps only. */
async function trainSteps(
  run: FamilyRun,
  steps: number,
  oneStep: () => StepLosses | Promise<StepLosses>,
  saver: RunSaver | null,
  /** the meta-step's number in the progress line and errors ("meta-loss" or the family's name) */
  quantity: string,
): Promise<Trained> {
  const progress = new Progress(steps, quantity);
  let smoothed: number | null = null;
  let lastLoss: number | null = null;
  let trained = 0;
  const start = performance.now();
  for (let s = 1; s <= steps && !saver?.interrupt.requested; s++) {
    const { meta, pretrained } = await oneStep();
    trained = s;
    const recorded = saver ? await saver.recorder.add(run.stepCount, meta, pretrained) : null;
    pretrained?.dispose();
    if (s % 50 === 0 || s === steps) {
      const v = recorded ?? ((await meta.data())[0] as number); // async read-back, every 50 steps only
      lastLoss = v;
      if (!Number.isFinite(v)) throw new Error(`${quantity} became ${v} at step ${s}: lower alpha or beta`);
      smoothed = smoothed === null ? v : 0.9 * smoothed + 0.1 * v;
      progress.update(s, smoothed, s === steps);
    }
    meta.dispose();
    if (saver) await saver.afterStep();
  }
  progress.done();
  const seconds = (performance.now() - start) / 1000;
  await saver?.write();
  saver?.interrupt.dispose();
  return { steps: trained, seconds, lastLoss, interrupted: saver?.interrupt.requested ?? false };
}

/** --save-theta: θ, Meta-SGD's α and the pretrained baseline, at the run's step. */
async function saveTheta(run: FamilyRun, config: Experiment, path: string): Promise<void> {
  const theta = (await run.learner.theta.data()) as Float32Array;
  const alpha = run.learner.alphaVec ? ((await run.learner.alphaVec.data()) as Float32Array) : null;
  const pretrained = (await run.savedPretrained?.()) ?? null;
  const step = run.stepCount;
  writeFileSync(path, encodeTheta({ config, step, theta, alpha, pretrained }));
  process.stderr.write(`wrote θ to ${path}\n`);
}

/**
 * The run a run file continues, on its own engine unless --engine names another (then it goes on
 * to float precision, not to the bit). Says where it resumes and what would not be bit-identical.
 */
function resumeRun(file: RunFile, engineFlag: EngineFlag, backend: NodeBackend, path: string): FamilyRun {
  const state = file.state;
  const engine = engineFlag === 'auto' ? state.engine : engineFlag;
  const run = runFromState(state, { engine });
  process.stderr.write(`resuming ${path} at meta-step ${state.step} (saved ${file.savedAt})\n`);
  const notExact = (why: string) =>
    process.stderr.write(
      `note: ${why}: the run continues, but not to the bit as it would have uninterrupted\n`,
    );
  if (run.engine !== state.engine)
    notExact(`it trained on the ${state.engine} engine, it continues on ${run.engine}`);
  else if (run.engine === 'tfjs' && file.backend && file.backend !== backend) {
    notExact(`it trained on the ${file.backend} backend, it continues on ${backend}`);
  }
  return run;
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

runMain(main);
