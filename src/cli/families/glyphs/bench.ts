/**
 * The glyph bench (`npm run bench -- --task glyphs --json F`): the few-shot glyph meta-step
 * (second-order MAML through the conv net, Adam) on every contender of contenders.ts
 * (the tfjs path, and any engine registered there) and the PyTorch peer (scripts/peer/
 * maml_glyphs.py, on one thread and on more) when torch imports. The fused engine runs on one
 * thread and on `--threads N` (default os.availableParallelism()), its tasks split over workers.
 * Per case every contender gets the same θ₀ and the same pool of real glyph meta-batches (sampled
 * before timing, so task sampling is outside every contender's clock), and the contenders run
 * interleaved round by round, so all see the same machine load. Rows carry the median rate and
 * its ratio to the peer on one thread and at its best thread count in the same case, and a
 * threaded fused row its ratio to the fused engine on one thread.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Algo, Experiment } from '../../../core/experiment';
import { GLYPH_DEFAULTS } from '../../../core/families/glyphs/defaults';
import { sampleGlyphBatch } from '../../../core/families/glyphs/data/sampler';
import { classifierFor } from '../../../core/families/glyphs/family';
import { Rng } from '../../../core/random';
import type { NodeBackend } from '../../backend';
import { glyphContenders, type GlyphBenchCase, type GlyphContenderKind } from './contenders';
import { findTorchPython, peerThreadCounts, torchContender, writePeerData } from './peer';

export interface GlyphBenchRow {
  case: string;
  engine: string;
  backend: string;
  threads?: number;
  task: 'glyphs';
  algo: Algo;
  batch: number;
  k: number;
  ways: number;
  query: number;
  filters: number;
  inner: number;
  /** median over the interleaved rounds */
  metaStepsPerSecond: number;
  runs: number[];
  kernelsPerStep?: number;
  /** this row's rate over the PyTorch peer's on one thread, same case and rounds */
  vsTorch1Thread?: number;
  /** over the peer at its best thread count in this case */
  vsTorchBest?: number;
  /** over the project's tfjs path on wasm, same case and rounds */
  vsTfjsWasm?: number;
  /** a fused row on several threads: over the fused engine on one thread, same case and rounds */
  vsFused1Thread?: number;
}

/** The bench's default glyph configuration: 5-way 1-shot, 3 queries per class, meta-batch 4, 32 filters. */
export const GLYPH_BENCH_CONFIG: Readonly<Experiment> = Object.freeze({
  ...GLYPH_DEFAULTS,
  net: 'conv',
  algo: 'maml',
  ways: 5,
  k: 1,
  query: 3,
  batch: 4,
  filters: 32,
  inner: 1,
});

/** The default configuration and a few variations (fewer rounds for those). */
const CASES: { name: string; over: Partial<Experiment>; main?: true }[] = [
  { name: 'default', over: {}, main: true },
  { name: 'meta-batch 8, 5 queries (the page)', over: { batch: 8, query: 5 } },
  { name: '20-way 1-shot', over: { ways: 20 } },
  { name: '64 filters (the paper)', over: { filters: 64 } },
  { name: 'first-order MAML', over: { algo: 'fomaml' } },
];

const POOL = 4;

function benchCase(name: string, config: Experiment, dir: string, index: number): GlyphBenchCase {
  const theta0 = classifierFor(config).init(Rng.stream(config.seed, 'init'));
  const rng = Rng.stream(config.seed, 'bench');
  const spec = { split: 'train' as const, ways: config.ways, shots: config.k, query: config.query };
  const batches = Array.from({ length: POOL }, () => sampleGlyphBatch(rng, config.batch, spec));
  let file: string | null = null;
  return {
    name,
    config,
    theta0,
    batches,
    dataFile() {
      if (file === null) {
        file = join(dir, `case-${index}.json`);
        writePeerData(file, config, theta0, batches);
      }
      return file;
    },
  };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** Each contender's row for a case, with its ratios to the peer's rows of the same case. */
function rowsWithRatios(rows: GlyphBenchRow[]): GlyphBenchRow[] {
  const torch = rows.filter((r) => r.engine === 'torch');
  const one = torch.find((r) => r.threads === 1);
  const tfjsWasm = rows.find((r) => r.engine === 'tfjs' && r.backend === 'wasm');
  const fused1 = rows.find((r) => r.engine === 'fused' && r.threads === 1);
  const best = torch.reduce<GlyphBenchRow | undefined>(
    (b, r) => (b === undefined || r.metaStepsPerSecond > b.metaStepsPerSecond ? r : b),
    undefined,
  );
  return rows.map((r) => {
    if (r.engine === 'torch') return r;
    const out = { ...r };
    if (one) out.vsTorch1Thread = round(r.metaStepsPerSecond / one.metaStepsPerSecond, 3);
    if (best) out.vsTorchBest = round(r.metaStepsPerSecond / best.metaStepsPerSecond, 3);
    if (tfjsWasm && r !== tfjsWasm)
      out.vsTfjsWasm = round(r.metaStepsPerSecond / tfjsWasm.metaStepsPerSecond, 3);
    if (fused1 && r.engine === 'fused' && r !== fused1)
      out.vsFused1Thread = round(r.metaStepsPerSecond / fused1.metaStepsPerSecond, 3);
    return out;
  });
}

function rowOf(
  c: GlyphBenchCase,
  kind: GlyphContenderKind,
  rates: number[],
  kernels?: number,
): GlyphBenchRow {
  const x = c.config;
  return {
    case: c.name,
    engine: kind.engine,
    backend: kind.backend,
    ...(kind.threads !== undefined ? { threads: kind.threads } : {}),
    task: 'glyphs',
    algo: x.algo,
    batch: x.batch,
    k: x.k,
    ways: x.ways,
    query: x.query,
    filters: x.filters,
    inner: x.inner,
    metaStepsPerSecond: round(median(rates)),
    runs: rates.map((r) => round(r)),
    ...(kernels !== undefined ? { kernelsPerStep: kernels } : {}),
  };
}

/** Starts every contender on a case, times them interleaved for `rounds` rounds, stops them. */
async function runCase(
  c: GlyphBenchCase,
  kinds: readonly GlyphContenderKind[],
  rounds: number,
  seconds: number,
): Promise<{ rows: GlyphBenchRow[]; skipped: string[] }> {
  const started = [];
  const skipped: string[] = [];
  for (const kind of kinds) {
    const s = await kind.start(c);
    if ('skipped' in s) skipped.push(`${kind.engine}/${kind.backend}: ${s.skipped}`);
    else started.push({ kind, contender: s, rates: [] as number[] });
  }
  try {
    for (let r = 0; r < rounds; r++) {
      for (const s of started) s.rates.push(await s.contender.run(seconds));
    }
  } finally {
    for (const s of started) s.contender.dispose();
  }
  const rows = started.map((s) => rowOf(c, s.kind, s.rates, s.contender.kernelsPerStep));
  return { rows: rowsWithRatios(rows), skipped };
}

export interface GlyphBenchOptions {
  /** interleaved rounds of the default case (the variations run fewer) */
  rounds: number;
  /** the project's engines to time (null: all registered) */
  engines: readonly string[] | null;
  tfjsBackends: readonly NodeBackend[];
  /** the fused engine is timed on one thread and on this many (default: os.availableParallelism()) */
  threads?: number;
}

const HEADER =
  'case                                  engine backend   thr  meta-steps/s  vs torch 1 thr  vs best  vs fused 1 thr\n';

function line(r: GlyphBenchRow): string {
  const cols = [
    r.case.padEnd(37),
    r.engine.padEnd(6),
    r.backend.padEnd(9),
    String(r.threads ?? '').padStart(3),
    r.metaStepsPerSecond.toFixed(2).padStart(13),
    (r.vsTorch1Thread?.toFixed(3) ?? '').padStart(15),
    (r.vsTorchBest?.toFixed(3) ?? '').padStart(8),
    (r.vsFused1Thread?.toFixed(3) ?? '').padStart(15),
  ];
  return `${cols.join(' ')}\n`;
}

/** The contenders: the selected engines, then the peer at each thread count (or why it is skipped). */
function contendersOf(o: GlyphBenchOptions): { kinds: GlyphContenderKind[]; peer: Record<string, unknown> } {
  const many = o.threads ?? availableParallelism();
  const ours = glyphContenders(o.tfjsBackends, many > 1 ? [1, many] : [1]).filter(
    (k) => o.engines === null || o.engines.includes(k.engine),
  );
  const python = findTorchPython();
  if ('skipped' in python) return { kinds: ours, peer: python };
  const threads = peerThreadCounts(availableParallelism());
  const peers = threads.map((t) => torchContender(python, t));
  return { kinds: [...ours, ...peers], peer: { ...python, threads } };
}

/**
 * The bench keeps to about this many seconds: a variation starts only while the time spent so far
 * plus the longest case so far fits, so a loaded machine drops variations rather than overrunning.
 */
const BUDGET_SECONDS = 240;

/** Runs the glyph bench and returns its JSON document (progress goes to stderr). */
export async function glyphBench(o: GlyphBenchOptions): Promise<Record<string, unknown>> {
  const { kinds, peer } = contendersOf(o);
  if ('skipped' in peer) process.stderr.write(`PyTorch peer: skipped (${String(peer.skipped)})\n`);
  const dir = mkdtempSync(join(tmpdir(), 'glyph-bench-'));
  const machine = { cores: availableParallelism(), loadAverageAtStart: loadavg().map((x) => round(x)) };
  const results: GlyphBenchRow[] = [];
  const cases: Record<string, unknown>[] = [];
  const t0 = performance.now();
  let longest = 0;
  process.stderr.write(HEADER);
  try {
    for (const [i, spec] of CASES.entries()) {
      const spent = (performance.now() - t0) / 1000;
      if (!spec.main && spent + longest > BUDGET_SECONDS) {
        cases.push({
          name: spec.name,
          skippedCase: `time budget: ${Math.round(spent)} s spent of ${BUDGET_SECONDS}`,
        });
        process.stderr.write(`${spec.name}: left out (time budget)\n`);
        continue;
      }
      const c = benchCase(spec.name, { ...GLYPH_BENCH_CONFIG, ...spec.over }, dir, i);
      const rounds = spec.main ? o.rounds : Math.min(o.rounds, 2);
      const { rows, skipped } = await runCase(c, kinds, rounds, spec.main ? 1.5 : 1);
      longest = Math.max(longest, (performance.now() - t0) / 1000 - spent);
      for (const r of rows) process.stderr.write(line(r));
      for (const s of skipped) process.stderr.write(`  skipped ${s}\n`);
      results.push(...rows);
      cases.push({
        name: spec.name,
        rounds,
        seconds: round((performance.now() - t0) / 1000 - spent, 1),
        skipped,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    date: new Date().toISOString(),
    node: process.version,
    machine: { ...machine, loadAverageAtEnd: loadavg().map((x) => round(x)) },
    config: 'glyphs, conv net (4 blocks, batch norm), second-order MAML unless the row says otherwise',
    peer,
    cases,
    results,
    summary: summary(results),
  };
}

/** The default case's rates and ratios, the headline numbers. */
function summary(rows: readonly GlyphBenchRow[]): Record<string, unknown> {
  const main = rows.filter((r) => r.case === 'default');
  const name = (r: GlyphBenchRow) =>
    r.engine === 'torch' || (r.threads ?? 1) > 1
      ? `${r.engine === 'torch' ? 'torch' : `${r.engine}-${r.backend}`}-${r.threads}thread`
      : `${r.engine}-${r.backend}`;
  return Object.fromEntries(
    main.map((r) => [
      name(r),
      {
        metaStepsPerSecond: r.metaStepsPerSecond,
        ...(r.vsTorch1Thread !== undefined ? { vsTorch1Thread: r.vsTorch1Thread } : {}),
        ...(r.vsTorchBest !== undefined ? { vsTorchBest: r.vsTorchBest } : {}),
        ...(r.vsTfjsWasm !== undefined ? { vsTfjsWasm: r.vsTfjsWasm } : {}),
        ...(r.vsFused1Thread !== undefined ? { vsFused1Thread: r.vsFused1Thread } : {}),
      },
    ]),
  );
}
