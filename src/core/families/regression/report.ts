import { ALGO_LABELS } from '../../schema';
import { innerRateText } from '../../wording/innerRate';
import type { EvalReport, EvalRequest } from '../family';
import { DEFAULT_EVAL, evaluate, makeEvalTasks, type EvalCurve, type EvalProtocol } from './evaluate';
import { testDiffers } from './distribution';
import type { RegressionRun } from './run';
import type { RegressionFamily } from './tasks';

export interface RegressionEval {
  tasks: number;
  k: number;
  points: number;
  seed: number;
  innerSteps: number[];
  maml: EvalCurve;
  pretrained?: EvalCurve;
  random: EvalCurve;
  /** the distribution these tasks come from, in one line */
  distribution?: string;
  /**
   * the same protocol on the test distribution, where the config's differs from meta-training's
   * (the fields above are then on meta-training's distribution)
   */
  test?: RegressionEval;
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
  const from = e.distribution ? ` from ${e.distribution}` : '';
  const lines = [
    `MSE on ${e.tasks} held-out tasks${from} (K=${e.k}, ${e.points} query points, 95% CI) after n inner steps, ${innerRateText(algo, alpha)}:`,
    `${'n'.padStart(3)} ${present.map(([name]) => name.padStart(22)).join('')}`,
  ];
  for (let i = 0; i < e.innerSteps.length; i++) {
    lines.push(`${String(e.innerSteps[i]).padStart(3)} ${present.map(([, c]) => cell(c, i)).join('')}`);
  }
  if (e.test) lines.push('', formatMseTable(e.test, algo, alpha));
  return lines.join('\n');
}

/** The paper's protocol on a regression run: held-out tasks of their own seed, 100 query points each. */
async function evaluateOn(
  run: RegressionRun,
  tasks: RegressionFamily,
  protocol: EvalProtocol,
): Promise<RegressionEval> {
  const curves = await evaluate(run.model, run.methods(), makeEvalTasks(tasks, protocol), protocol.steps);
  return {
    tasks: protocol.tasks,
    k: protocol.k,
    points: protocol.points,
    seed: protocol.seed,
    innerSteps: Array.from({ length: protocol.steps + 1 }, (_, i) => i),
    maml: curves.maml as EvalCurve,
    ...(curves.pretrained ? { pretrained: curves.pretrained } : {}),
    random: curves.random as EvalCurve,
  };
}

/**
 * The paper's protocol on a regression run, on the meta-training distribution's held-out tasks and,
 * where the config tests on another distribution, on that one's too (the same evaluation seed).
 */
export async function regressionReport(run: RegressionRun, request: EvalRequest): Promise<EvalReport> {
  const config = run.experiment;
  const protocol = { ...DEFAULT_EVAL, k: config.k, ...request };
  const e = await evaluateOn(run, run.tasks, protocol);
  if (testDiffers(config, run.family.schema.fields)) {
    const testTasks = run.family.tasksFor(config, 'test');
    const test = await evaluateOn(run, testTasks, protocol);
    e.distribution = `meta-training's distribution (${run.tasks.range ?? ''})`;
    e.test = { ...test, distribution: `the test distribution (${testTasks.range ?? ''})` };
  }
  return {
    json: e as unknown as Record<string, unknown>,
    table: formatMseTable(e, config.algo, config.alpha),
  };
}
