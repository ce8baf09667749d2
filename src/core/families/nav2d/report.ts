import { meanCi } from '../../meta/statistics';
import { ALGO_LABELS, type Experiment } from '../../schema';
import type { EvalReport, EvalRequest } from '../family';
import { DEFAULT_TRAJS } from './fused';
import { evalRate, evalTrajs } from './iteration';
import type { Nav2dRun } from './run';

/** The paper's MAML average returns on 2-D navigation after 0-3 inner steps (Finn et al. 2017). */
export const PAPER_MAML_RETURNS = [-40.41, -11.68, -3.33, -3.23] as const;

/** An initialisation's average return after 0..n inner steps, with 95% intervals over goals. */
export interface ReturnCurve {
  averageReturn: number[];
  ci95: number[];
}

const COLUMNS: readonly [string, string][] = [
  ['maml', ''],
  ['pretrained', 'pretrained'],
  ['random', 'random init'],
];

/** The table the CLI prints: one row per inner-step count, one column per initialisation. */
export function formatReturnTable(
  curves: Record<string, ReturnCurve>,
  tasks: number,
  steps: number,
  config: Experiment,
): string {
  const present = COLUMNS.filter(([key]) => curves[key]).map(
    ([key, label]) => [label || ALGO_LABELS[config.algo], curves[key] as ReturnCurve] as const,
  );
  const lines = [
    `Average return on ${tasks} held-out goals (${evalTrajs(config.trajs ?? DEFAULT_TRAJS)} trajectories per step, 95% CI) after n inner steps of rate ${config.alpha}, then ${evalRate(config.alpha, 1)}:`,
    `${'n'.padStart(3)} ${present.map(([name]) => name.padStart(24)).join('')}${'paper MAML'.padStart(12)}`,
  ];
  for (let i = 0; i <= steps; i++) {
    const cells = present.map(([, c]) =>
      `${(c.averageReturn[i] as number).toFixed(2)} ± ${(c.ci95[i] as number).toFixed(2)}`.padStart(24),
    );
    const paper = PAPER_MAML_RETURNS[i];
    lines.push(
      `${String(i).padStart(3)} ${cells.join('')}${(paper === undefined ? '' : paper.toFixed(2)).padStart(12)}`,
    );
  }
  return lines.join('\n');
}

/** The evaluation protocol's report: held-out goals of their own seed, every initialisation. */
export async function nav2dReport(run: Nav2dRun, request: EvalRequest): Promise<EvalReport> {
  const raw = await run.evaluate(request);
  const curves: Record<string, ReturnCurve> = {};
  for (const [name, values] of Object.entries(raw)) {
    const { mean, ci95 } = meanCi(values, request.tasks, request.steps + 1);
    curves[name] = { averageReturn: mean, ci95 };
  }
  const json = {
    tasks: request.tasks,
    seed: request.seed,
    trajectories: evalTrajs(run.experiment.trajs ?? DEFAULT_TRAJS),
    rates: Array.from({ length: request.steps }, (_, k) => evalRate(run.experiment.alpha, k)),
    innerSteps: Array.from({ length: request.steps + 1 }, (_, i) => i),
    paperMaml: [...PAPER_MAML_RETURNS],
    ...curves,
  };
  return { json, table: formatReturnTable(curves, request.tasks, request.steps, run.experiment) };
}
