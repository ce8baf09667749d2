/**
 * The sinusoid benchmark table of docs/benchmarks.md: every algorithm of the schema (ALGOS) on the
 * MAML paper's sinusoids and on the harder Meta-SGD / PARL sinusoids (the presets), K = 5 and 10,
 * as held-out MSE after one inner step with its 95% interval. Each setting is one sensitivity map
 * (algorithm × K) trained by `npm run sweep`, so a cell equals `npm run train` of its settings.
 *   node scripts/build-fused.mjs && npx tsx src/cli/families/sinusoid/table.ts --steps 70000 --json table.json
 * The markdown table on stdout, the sweeps' progress on stderr.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALGOS, ALGO_LABELS, type Algo } from '../../../core/schema';
import { presetNamed } from '../../../core/experiment';
import type { SweepMap } from '../../../core/sweep/mapFile';
import { parseFlags, runMain, UsageError } from '../../args';

const USAGE = `usage: npx tsx src/cli/families/sinusoid/table.ts [--steps N (meta-steps per run, default 70000, the paper's)]
                       [--eval-tasks N (default 600)] [--workers N] [--json table.json]`;

const FLAGS = {
  steps: { type: 'int', min: 1, max: 1_000_000 },
  'eval-tasks': { type: 'int', min: 1, max: 10_000 },
  workers: { type: 'int', min: 1, max: 256 },
  json: { type: 'string' },
  help: { type: 'boolean' },
} as const;

/** The table's settings: a preset each, trained and tested at K = 5 and 10. */
const SETTINGS = ['paper-sinusoid', 'metasgd-sinusoid'] as const;
const SHOTS = [5, 10] as const;

interface Cell {
  setting: string;
  k: number;
  algo: Algo;
  mse: number | null;
  ci95: number | null;
  query: string;
}

/** One setting's map (algorithm × K) through the sweep CLI; its cells. */
function sweepSetting(
  setting: string,
  steps: number,
  evalTasks: number,
  workers: number | undefined,
): Cell[] {
  const out = join(mkdtempSync(join(tmpdir(), 'sinusoid-table-')), `${setting}.json`);
  const args = ['src/cli/sweep.ts', '--config', `preset=${setting}`, '--x', `algo=${ALGOS.join(',')}`];
  args.push('--y', `k=${SHOTS[0]}..${SHOTS[1]}:lin:2`, '--steps', String(steps));
  args.push('--eval-tasks', String(evalTasks), '--json', out);
  if (workers) args.push('--workers', String(workers));
  const r = spawnSync(join('node_modules', '.bin', 'tsx'), args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`the ${setting} sweep failed (exit ${r.status ?? r.signal})`);
  const map = JSON.parse(readFileSync(out, 'utf8')) as SweepMap;
  return map.cells.map((c) => {
    if (!c) throw new Error(`the ${setting} sweep left a cell unfinished`);
    return { setting, k: c.y as number, algo: c.x as Algo, mse: c.metric, ci95: c.ci95, query: c.query };
  });
}

const cellText = (c: Cell | undefined) =>
  !c || c.mse === null || c.ci95 === null ? 'diverged' : `${c.mse.toFixed(3)} ± ${c.ci95.toFixed(3)}`;

/** Rows: algorithms; columns: each setting at each K. */
export function markdownTable(cells: readonly Cell[]): string {
  const cols = SETTINGS.flatMap((s) => SHOTS.map((k) => ({ s, k })));
  const head = cols.map(({ s, k }) => `${presetNamed(s)?.label ?? s}, K = ${k}`);
  const lines = [`| algorithm | ${head.join(' | ')} |`, `|---|${cols.map(() => '---').join('|')}|`];
  for (const algo of ALGOS) {
    const row = cols.map(({ s, k }) =>
      cellText(cells.find((c) => c.setting === s && c.k === k && c.algo === algo)),
    );
    lines.push(`| ${ALGO_LABELS[algo]} | ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), FLAGS);
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!presetNamed(SETTINGS[0]) || !presetNamed(SETTINGS[1])) throw new UsageError('a preset is missing');
  const steps = (flags.steps as number | undefined) ?? 70_000;
  const evalTasks = (flags['eval-tasks'] as number | undefined) ?? 600;
  const workers = flags.workers as number | undefined;
  const started = Date.now();
  const cells = SETTINGS.flatMap((s) => sweepSetting(s, steps, evalTasks, workers));
  const seconds = (Date.now() - started) / 1000;
  const budget = `${steps} meta-steps per run, MSE after one inner step on ${evalTasks} held-out tasks (100 query points each), 95% interval`;
  process.stdout.write(`${markdownTable(cells)}\n\n${budget}; ${seconds.toFixed(0)} s in all.\n`);
  if (typeof flags.json === 'string')
    writeFileSync(flags.json, `${JSON.stringify({ steps, evalTasks, seconds, cells }, null, 1)}\n`);
}

runMain(main);
