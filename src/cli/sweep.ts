/**
 * Sensitivity maps from the terminal, on one machine or on a scheduler (docs/sweep.md):
 *   npm run sweep -- --config '<link>' --x alpha=0.001..0.3:log:8 --y beta=0.0001..0.01:log:4 --steps 2000 --json map.json
 *   npm run sweep -- --config '<link>' --x ... --y ... --plan plan.json        (write the cells)
 *   npm run sweep -- --plan plan.json --cell N     (or SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX)
 *   npm run sweep -- --plan plan.json --merge --json map.json
 * Progress on stderr, the map as a table and its reading on stdout.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, basename } from 'node:path';
import { parseExperiment, type Experiment } from '../core/experiment';
import { familyOf } from '../core/families/registry';
import {
  CELL_FORMAT,
  cellFile,
  decodeSweepFile,
  encodeSweepFile,
  mapOf,
  mergeCells,
  PLAN_FORMAT,
  planOf,
  type CellFile,
  type CellResult,
  type SweepMap,
  type SweepPlan,
} from '../core/sweep/mapFile';
import { MAX_SWEEP_STEPS, parseSweepAxes, SWEEP_EVAL_SEED } from '../core/sweep/spec';
import { formatSweepTable } from '../core/sweep/table';
import { parseFlags, runMain, UsageError } from './args';
import { startBackend } from './backend';
import { formatDuration, Progress } from './progress';
import { writeFileAtomic } from './runFiles';
import { trainCells } from './sweepPool';

const USAGE = `usage: npm run sweep -- [--config '<query string or share URL>'] --x name=lo..hi:log|lin:N [--y ...]
                       [--steps N (meta-steps per cell, default 2000)] [--json map.json] [--workers N]
                       [--eval-tasks N] [--eval-seed 2017] [--lenient]
       npm run sweep -- ... --plan plan.json            write the plan (every cell's settings), train nothing
       npm run sweep -- --plan plan.json --cell N       train cell N (default: $SLURM_ARRAY_TASK_ID or
                                                        $JOB_COMPLETION_INDEX) into <plan>.cells/cell-N.json
       npm run sweep -- --plan plan.json --merge --json map.json   join the cells into the map
  axes: alpha, beta, inner, k, batch, hidden (the width of every hidden layer), filters, algo (algo=maml,fomaml,reptile);
  at most 8 values per axis. Each cell trains the --config experiment (same seed) with its settings on the
  fused engine where the family has one, and is scored after one inner step on --eval-tasks held-out tasks.`;

const FLAGS = {
  config: { type: 'string' },
  x: { type: 'string' },
  y: { type: 'string' },
  steps: { type: 'int', min: 1, max: MAX_SWEEP_STEPS },
  json: { type: 'string' },
  workers: { type: 'int', min: 1, max: 256 },
  'eval-tasks': { type: 'int', min: 1, max: 10_000 },
  'eval-seed': { type: 'int', min: 0, max: 4294967295 },
  lenient: { type: 'boolean' },
  plan: { type: 'string' },
  cell: { type: 'int', min: 0, max: 63 },
  merge: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

type Flags = Record<string, string | number | boolean>;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const planPath = typeof flags.plan === 'string' ? flags.plan : null;
  if (typeof flags.x === 'string') {
    const plan = planFromFlags(flags);
    if (planPath) {
      writeFileAtomic(planPath, encodeSweepFile(plan));
      process.stderr.write(`wrote ${plan.cells.length} cells to ${planPath}\n`);
      return;
    }
    return trainAll(plan, flags);
  }
  if (!planPath) throw new UsageError('--x is needed (or --plan plan.json with --cell N or --merge)');
  const plan = decodeSweepFile<SweepPlan>(readFileSync(planPath, 'utf8'), PLAN_FORMAT);
  if (flags.merge) return merge(plan, planPath, flags);
  return trainOne(plan, planPath, cellIndex(flags, plan));
}

/** Refuse faulty input unless --lenient, which runs with the corrections (each said on stderr). */
function explain(what: string, warnings: readonly { message: string }[], lenient: boolean): void {
  for (const w of warnings) process.stderr.write(`  ${what}: ${w.message}\n`);
  if (warnings.length > 0 && !lenient)
    throw new UsageError(
      `${what} has ${warnings.length} fault${warnings.length === 1 ? '' : 's'} (see above): fix, or pass --lenient to run with the corrections`,
    );
}

function planFromFlags(flags: Flags): SweepPlan {
  const lenient = flags.lenient === true;
  const { config, warnings } = parseExperiment(String(flags.config ?? ''));
  explain('--config', warnings, lenient);
  const axes = [flags.x, flags.y].filter((a): a is string => typeof a === 'string');
  const parsed = parseSweepAxes(axes, flags.steps, config.task);
  if (!parsed.spec) {
    for (const w of parsed.warnings) process.stderr.write(`  the axes: ${w.message}\n`);
    throw new UsageError(parsed.refused ?? 'no map');
  }
  explain('the axes', parsed.warnings, lenient);
  const family = familyOf(config.task);
  const evalRequest = {
    tasks: (flags['eval-tasks'] as number | undefined) ?? family.evalDefaults.tasks,
    steps: 1,
    seed: (flags['eval-seed'] as number | undefined) ?? SWEEP_EVAL_SEED,
  };
  return planOf(config, parsed.spec, evalRequest);
}

function baseOf(plan: SweepPlan): Experiment {
  return parseExperiment(plan.config).config;
}

/** Every cell here, in --workers processes; the map on stdout and in --json. */
async function trainAll(plan: SweepPlan, flags: Flags): Promise<void> {
  const workers = (flags.workers as number | undefined) ?? availableParallelism();
  const family = familyOf(baseOf(plan).task);
  const n = plan.cells.length;
  process.stderr.write(
    `${n} cells × ${plan.steps} meta-steps, ${workers} worker${workers === 1 ? '' : 's'}: ${plan.config}\n`,
  );
  if (workers <= 1) await startBackend('wasm');
  const progress = new Progress(n * plan.steps);
  const trained = new Map<number, number>();
  let total = 0;
  const start = performance.now();
  const results = await trainCells(
    plan,
    plan.cells.map((c) => c.index),
    workers,
    {
      progress(index, step) {
        total += step - (trained.get(index) ?? 0);
        trained.set(index, step);
        progress.update(total, null);
      },
      done(result) {
        total += plan.steps - (trained.get(result.index) ?? 0);
        trained.set(result.index, plan.steps);
        progress.update(total, null, true);
      },
    },
  );
  progress.done();
  const seconds = (performance.now() - start) / 1000;
  const map = mapOf(plan, family.metric, results);
  report(map, flags.json);
  process.stdout.write(
    `trained ${n} cells of ${plan.steps} meta-steps in ${formatDuration(seconds)} (${seconds.toFixed(1)} s, ${workers} worker${workers === 1 ? '' : 's'})\n`,
  );
}

function report(map: SweepMap, json: unknown): void {
  process.stdout.write(`${formatSweepTable(map)}\n${map.reading}\n`);
  if (typeof json === 'string') {
    writeFileAtomic(json, encodeSweepFile(map));
    process.stderr.write(`wrote ${json}\n`);
  }
}

/** Where a plan's cell results go: plan.json → plan.cells/ beside it. */
function cellsDir(planPath: string): string {
  return join(dirname(planPath), `${basename(planPath).replace(/\.json$/, '')}.cells`);
}

/** --cell, else the scheduler's array index: Slurm's SLURM_ARRAY_TASK_ID, Kubernetes' JOB_COMPLETION_INDEX. */
function cellIndex(flags: Flags, plan: SweepPlan): number {
  const fromEnv = process.env.SLURM_ARRAY_TASK_ID ?? process.env.JOB_COMPLETION_INDEX;
  const raw = typeof flags.cell === 'number' ? String(flags.cell) : fromEnv;
  if (raw === undefined)
    throw new UsageError(
      '--plan needs --cell N (or $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX), --merge, or --x to write it',
    );
  if (!/^\d+$/.test(raw) || Number(raw) >= plan.cells.length)
    throw new UsageError(`cell index "${raw}": the plan has cells 0..${plan.cells.length - 1}`);
  return Number(raw);
}

async function trainOne(plan: SweepPlan, planPath: string, index: number): Promise<void> {
  await startBackend('wasm');
  const cell = plan.cells[index] as SweepPlan['cells'][number];
  process.stderr.write(`cell ${index} of ${plan.cells.length}: ${cell.query}\n`);
  const progress = new Progress(plan.steps);
  const start = performance.now();
  const [result] = await trainCells(plan, [index], 1, {
    progress: (_i, step) => progress.update(step, null),
    done: () => progress.update(plan.steps, null, true),
  });
  progress.done();
  const dir = cellsDir(planPath);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `cell-${String(index).padStart(2, '0')}.json`);
  writeFileAtomic(path, encodeSweepFile(cellFile(plan, result as CellResult)));
  const seconds = (performance.now() - start) / 1000;
  process.stderr.write(`wrote ${path} (${seconds.toFixed(1)} s)\n`);
}

function merge(plan: SweepPlan, planPath: string, flags: Flags): void {
  const dir = cellsDir(planPath);
  const files = readdirSync(dir)
    .filter((f) => /^cell-\d+\.json$/.test(f))
    .map((f) => decodeSweepFile<CellFile>(readFileSync(join(dir, f), 'utf8'), CELL_FORMAT));
  const map = mergeCells(plan, familyOf(baseOf(plan).task).metric, files);
  report(map, flags.json);
}

runMain(main);
