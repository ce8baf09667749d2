import { ALGO_LABELS } from '../../schema';
import type { EvalReport, EvalRequest } from '../family';
import { DEFAULT_EVAL, evaluate, makeEvalTasks, type EvalCurve } from './evaluate';
import type { RegressionRun } from './run';

export interface RegressionEval {
  tasks: number;
  k: number;
  points: number;
  seed: number;
  innerSteps: number[];
  maml: EvalCurve;
  pretrained?: EvalCurve;
  random: EvalCurve;
}

/** The MSE table the CLI prints: one row per inner-step count, one column per initialisation. */
export function formatMseTable(e: RegressionEval, algo: keyof typeof ALGO_LABELS, alpha: number): string {
  const cols: [string, EvalCurve | undefined][] = [
    [ALGO_LABELS[algo], e.maml],
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
    `MSE on ${e.tasks} held-out tasks (K=${e.k}, ${e.points} query points, 95% CI) after n inner steps, α=${alpha}:`,
    `${'n'.padStart(3)} ${present.map(([name]) => name.padStart(22)).join('')}`,
  ];
  for (let i = 0; i < e.innerSteps.length; i++) {
    lines.push(`${String(e.innerSteps[i]).padStart(3)} ${present.map(([, c]) => cell(c, i)).join('')}`);
  }
  return lines.join('\n');
}

/** The paper's protocol on a regression run: held-out tasks of their own seed, 100 query points each. */
export async function regressionReport(run: RegressionRun, request: EvalRequest): Promise<EvalReport> {
  const config = run.experiment;
  const protocol = { ...DEFAULT_EVAL, k: config.k, ...request };
  const curves = await evaluate(run.model, run.methods(), makeEvalTasks(run.tasks, protocol), protocol.steps);
  const e: RegressionEval = {
    tasks: protocol.tasks,
    k: protocol.k,
    points: protocol.points,
    seed: protocol.seed,
    innerSteps: Array.from({ length: protocol.steps + 1 }, (_, i) => i),
    maml: curves.maml as EvalCurve,
    ...(curves.pretrained ? { pretrained: curves.pretrained } : {}),
    random: curves.random as EvalCurve,
  };
  return {
    json: e as unknown as Record<string, unknown>,
    table: formatMseTable(e, config.algo, config.alpha),
  };
}
