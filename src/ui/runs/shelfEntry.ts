/**
 * What the runs shelf shows of one saved record: its name (or one made from its settings), its
 * family, algorithm and key settings, meta-step, the best held-out score in its curves, when it
 * was saved, and its curves for comparison; or why it cannot be read ("damaged").
 */
import type { Algo, Experiment } from '../../core/experiment';
import { readRunSummary, type RunSummary } from '../../core/runs/runSummary';
import { MAX_NAME_LENGTH, type Curve } from '../../core/runs/runFile';
import type { Metric } from '../kit/metric';
import { formatCount } from '../kit/format';
import { familyOf, pageTasks } from '../shell/families';
import type { StoredRun } from './autosaveDb';
import { withoutFile, type SavedRunMeta, type ShelfRecord, type StoredMeta } from './shelfRecord';
import type { ComparedCurve, ComparedRun } from '../shell/comparedSlice';

export const ALGO_SHORT: Record<Algo, string> = {
  maml: 'MAML',
  fomaml: 'FOMAML',
  metasgd: 'Meta-SGD',
  reptile: 'Reptile',
  mamlpp: 'MAML++',
};

interface ReadableEntry {
  ok: true;
  id: string;
  /** the record without its run file (read from IndexedDB when the run is opened) */
  run: SavedRunMeta;
  /** the given name, or one made from the settings */
  name: string;
  named: boolean;
  config: Experiment;
  step: number;
  settings: string;
  /** the best held-out score of MAML θ in its curves ("best MSE 0.012 at step 400"), or null */
  best: string | null;
  savedAt: string;
  compare: Omit<ComparedRun, 'color'>;
}

interface DamagedEntry {
  ok: false;
  id: IDBValidKey;
  savedAt: string;
  reason: string;
  /** the name the user gave it, if the record has one */
  name?: string;
}

export type ShelfEntry = ReadableEntry | DamagedEntry;

export function metricOf(task: string): Metric {
  return familyOf(task).metric;
}

/** "MAML · <task> · α 0.01" */
export function defaultName(config: Experiment): string {
  return `${ALGO_SHORT[config.algo]} · ${config.task} · α ${config.alpha}`;
}

/** The name of a run saved as a copy of another (a second tab continuing the same saved run). */
export function copyName(name: string): string {
  const mark = ' (copy)';
  return name.endsWith(mark) ? name : `${name.slice(0, MAX_NAME_LENGTH - mark.length)}${mark}`;
}

/** The settings that tell runs of one family apart. */
export function settingsOf(c: Experiment): string {
  const net = familyOf(c.task).network(c);
  const inner = `${c.inner} inner step${c.inner === 1 ? '' : 's'}`;
  return `α ${c.alpha} · β ${c.beta} · ${inner} · K ${c.k} · batch ${c.batch} · ${net}`;
}

/** The best value of a metric in a curve, with its meta-step. */
export function bestOf(curve: Curve | undefined, metric: Metric): { value: number; step: number } | null {
  let best: { value: number; step: number } | null = null;
  curve?.values.forEach((v, i) => {
    if (!metric.usable(v)) return;
    const better = best === null || (metric.higherIsBetter ? v > best.value : v < best.value);
    if (better) best = { value: v, step: curve.steps[i] as number };
  });
  return best;
}

/** At most `max` points of a curve (means of equal runs of points), for drawing. */
export function thinned(c: Curve | undefined, max = 2000): ComparedCurve | null {
  if (!c || c.steps.length === 0) return null;
  const n = c.steps.length;
  if (n <= max) return { steps: c.steps, values: c.values };
  const steps: number[] = [];
  const values: number[] = [];
  for (let b = 0; b < max; b++) {
    const i0 = Math.floor((b * n) / max);
    const i1 = Math.floor(((b + 1) * n) / max);
    let sum = 0;
    for (let i = i0; i < i1; i++) sum += c.values[i] as number;
    steps.push(c.steps[i1 - 1] as number);
    values.push(sum / (i1 - i0));
  }
  return { steps, values };
}

function entryOf(run: SavedRunMeta, s: RunSummary): ReadableEntry {
  const metric = metricOf(s.config.task);
  const curve = (name: string) => s.curves.find((c) => c.name === name);
  const best = bestOf(curve('eval:maml'), metric);
  const name = run.name ?? s.name ?? defaultName(s.config);
  return {
    ok: true,
    id: run.id,
    run,
    name,
    named: (run.name ?? s.name) !== undefined,
    config: s.config,
    step: s.step,
    settings: settingsOf(s.config),
    best: best && `best ${metric.name} ${metric.format(best.value)} at step ${formatCount(best.step)}`,
    savedAt: run.savedAt,
    compare: {
      id: run.id,
      name,
      task: s.config.task,
      loss: thinned(curve('meta-loss')),
      evals: thinned(curve('eval:maml')),
      adapt: thinned(curve('adapt:maml')),
    },
  };
}

/** summaries of the records read so far, by id: a record is read again only when it changed */
const cache = new Map<string, { savedAt: string; name: string | undefined; entry: ShelfEntry }>();

/**
 * The shelf's entry of a stored record (a record that cannot be read is "damaged", with why).
 * `summary`: what reading its file gives, when known (read by the shelf's worker, or given by the
 * record's writer: a conv net's run file is about a megabyte, not parsed again on the main thread);
 * `unreadable`: why its file could not be read. With neither, a record that carries its file is
 * read here.
 */
export function shelfEntry(
  stored: StoredRun | StoredMeta,
  summary: RunSummary | null = null,
  unreadable: string | null = null,
): ShelfEntry {
  if (!stored.ok) {
    return { ok: false, id: stored.id, savedAt: stored.savedAt, reason: 'it is not a saved run record' };
  }
  const { run } = stored;
  if (typeof run.damaged === 'string') {
    const named = run.name !== undefined ? { name: run.name } : {};
    return { ok: false, id: run.id, savedAt: run.savedAt, reason: run.damaged, ...named };
  }
  const hit = cache.get(run.id);
  if (hit && hit.savedAt === run.savedAt && hit.name === run.name) return hit.entry;
  let entry: ShelfEntry;
  try {
    if (unreadable !== null) throw new Error(unreadable);
    const file = 'text' in run ? run.text : null;
    if (summary === null && file === null) throw new Error('its run file is missing');
    const meta = 'text' in run ? withoutFile(run) : run;
    entry = entryOf(meta, summary ?? readRunSummary(file as string, { tasks: pageTasks() }));
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    entry = { ok: false, id: run.id, savedAt: run.savedAt, reason };
  }
  cache.set(run.id, { savedAt: run.savedAt, name: run.name, entry });
  return entry;
}

/** The entry of a record read by the shelf's worker. */
export const entryOfRecord = (r: ShelfRecord): ShelfEntry => shelfEntry(r.stored, r.summary, r.unreadable);

const newestFirst = (a: ShelfEntry, b: ShelfEntry) =>
  a.savedAt < b.savedAt ? 1 : a.savedAt > b.savedAt ? -1 : 0;

/** The shelf with one entry written: in place of the record's old one, or added; newest first. */
export function placeEntry(list: readonly ShelfEntry[], entry: ShelfEntry): ShelfEntry[] {
  return [...list.filter((x) => x.id !== entry.id), entry].sort(newestFirst);
}

/** The shelf without a deleted record's entry. */
export function dropEntry(list: readonly ShelfEntry[], id: string): ShelfEntry[] {
  return list.filter((x) => x.id !== id);
}
