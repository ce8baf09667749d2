import { innerRateText } from '../../wording/innerRate';
import { ALGO_LABELS, type Experiment } from '../../schema';
import type { EvalReport, EvalRequest } from '../family';
import type { AccuracyCurve, GlyphRun } from './run';

interface GlyphEval {
  tasks: number;
  ways: number;
  k: number;
  query: number;
  innerSteps: number[];
  maml?: AccuracyCurve;
  pretrained?: AccuracyCurve;
  random?: AccuracyCurve;
}

/** The accuracy table the CLI prints: one row per inner-step count, one column per initialisation. */
export function formatAccuracyTable(e: GlyphEval, config: Experiment): string {
  const cols: [string, AccuracyCurve | undefined][] = [
    [ALGO_LABELS[config.algo], e.maml],
    ['pretrained', e.pretrained],
    ['random init', e.random],
  ];
  const present = cols.filter((c): c is [string, AccuracyCurve] => c[1] !== undefined);
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const lines = [
    `Accuracy on ${e.tasks} held-out tasks (classes not meta-trained on, ${e.ways}-way ${e.k}-shot, ${e.query} queries per class, 95% CI) after n inner steps, ${innerRateText(config.algo, config.alpha)}:`,
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

/** Query accuracy on tasks from the held-out alphabets, for every initialisation. */
export async function glyphReport(run: GlyphRun, request: EvalRequest): Promise<EvalReport> {
  const config = run.experiment;
  const curves = await run.evaluate(request);
  const e = {
    tasks: request.tasks,
    ways: config.ways,
    k: config.k,
    query: config.query,
    seed: request.seed,
    split: 'test (held-out alphabets)',
    innerSteps: Array.from({ length: request.steps + 1 }, (_, i) => i),
    ...curves,
  };
  return { json: e, table: formatAccuracyTable(e, config) };
}
