/**
 * The sensitivity map's actions: open the panel, time the cells for the estimate, start the map on
 * a pool of page workers (the page's own training pauses: they would share the cores), cancel it
 * (finished cells stay), and open a trained cell's run in the playground.
 */
import { formatAxisValue, AXIS_LABELS } from '../../core/sweep/axes';
import { planOf, planKey, type SweepPlan } from '../../core/sweep/mapFile';
import { SWEEP_EVAL_SEED, type SweepSpec } from '../../core/sweep/spec';
import { parseExperiment, serializeExperiment, type Experiment } from '../../core/experiment';
import type { FromSweepWorker, ToSweepWorker } from '../../worker/sweepProtocol';
import { session } from '../session/session';
import { familyOf } from '../shell/families';
import { useStore } from '../shell/store';
import { CellPool, poolSize, type CellWorker } from './cellPool';
import { defaultDraft, draftOfSpec, type MapDraft } from './mapDraft';
import { useSweep, type FamilyInfo } from './sweepStore';
import { keepCell, restoreLatest } from './mapKeeper';

/** each timing of a cell runs its meta-steps this long (plus a warm-up and one scoring) */
const PROBE_MS = 500;

let pool: CellPool | null = null;

const wasmPath = (): string => new URL('tfjs/', document.baseURI).href;

function makeWorker(): CellWorker {
  const w = new Worker(new URL('../../worker/sweep.worker.ts', import.meta.url), {
    type: 'module',
    name: 'maml-sweep',
  });
  return w as unknown as CellWorker;
}

export function openMapPanel(): void {
  const task = useStore.getState().config.task;
  const s = useSweep.getState();
  if (s.draftTask !== task)
    useSweep.setState({ draft: defaultDraft(task, familyOf(task).mapDefaults), draftTask: task });
  useSweep.setState({ open: true });
  void restoreLatest(serializeExperiment(useStore.getState().config));
}

/** A share link's map: the panel opens with its axes; nothing trains until Start. */
export function openMapFromLink(spec: SweepSpec, task: string): void {
  useSweep.setState({ draft: draftOfSpec(spec), draftTask: task, open: true, linkRestore: true });
}

export function closeMapPanel(): void {
  useSweep.setState({ open: false, hover: null });
}

export function setDraft(draft: MapDraft): void {
  useSweep.setState({ draft });
}

/** The plan of the current experiment with these axes, scored as `npm run sweep` scores it. */
export function planFor(config: Experiment, spec: SweepSpec, family: FamilyInfo): SweepPlan {
  return planOf(config, spec, { tasks: family.evalTasks, steps: 1, seed: SWEEP_EVAL_SEED });
}

type Reply<K extends FromSweepWorker['kind']> = Extract<FromSweepWorker, { kind: K }>;

/** Requests to a fresh worker (ended after), each answered by a message of kind `kind`, in order. */
function ask<K extends FromSweepWorker['kind']>(messages: ToSweepWorker[], kind: K): Promise<Reply<K>[]> {
  return new Promise((resolve, reject) => {
    const w = makeWorker();
    const replies: Reply<K>[] = [];
    w.onmessage = (e: { data: FromSweepWorker }) => {
      const m = e.data;
      if (m.kind === 'ready') for (const message of messages) w.postMessage(message);
      else if (m.kind === kind) {
        replies.push(m as Reply<K>);
        if (replies.length < messages.length) return;
        w.terminate();
        resolve(replies);
      } else if (m.kind === 'error') {
        w.terminate();
        reject(new Error(m.message));
      }
    };
    w.onerror = (e) => {
      e.preventDefault?.();
      w.terminate();
      reject(new Error(e.message || 'the worker failed'));
    };
    w.postMessage({ kind: 'init', wasmPath: wasmPath() });
  });
}

/** The family's metric and evaluation defaults, asked of a worker once per family. */
export async function describeFamily(task: string): Promise<void> {
  if (useSweep.getState().families[task] || asked.has(task)) return;
  asked.add(task);
  try {
    const [m] = await ask([{ kind: 'describe', task }], 'family');
    if (!m) return;
    useSweep.setState((s) => ({
      families: { ...s.families, [task]: { metric: m.metric, evalTasks: m.evalTasks } },
    }));
  } catch (e) {
    asked.delete(task);
    useSweep.setState({
      message: `the map's worker could not start: ${e instanceof Error ? e.message : String(e)}`,
    });
  }
}

const asked = new Set<string>();

/** Whether the playground's own training holds the cores (asked to train, or steps in flight). */
export function pageTraining(): boolean {
  const p = useStore.getState();
  return p.running || p.workerTraining;
}

/**
 * Times the map's first and last cells (the smallest and largest networks and batches where an
 * axis changes them) and keeps their mean cost per cell, once per plan; only while the
 * playground's training is paused (Start pauses it: a timing beside it would be too slow), and
 * a timing it overlapped is dropped (the next pause times again).
 */
export async function measureRate(plan: SweepPlan): Promise<void> {
  const key = planKey(plan);
  const s = useSweep.getState();
  if (s.rate?.key === key || s.probing === key || s.status === 'running' || pageTraining()) return;
  useSweep.setState({ probing: key });
  const ends = [plan.cells[0], plan.cells[plan.cells.length - 1]].filter(
    (c, i, a) => c && a.indexOf(c) === i,
  );
  try {
    const probes = ends.flatMap((c) =>
      c ? [{ kind: 'probe' as const, query: c.query, budgetMs: PROBE_MS, eval: plan.eval }] : [],
    );
    const rates = await ask(probes, 'rate');
    const secPerStep = rates.reduce((a, r) => a + 1 / r.stepsPerSec, 0) / rates.length;
    const evalSec = rates.reduce((a, r) => a + r.evalSec, 0) / rates.length;
    if (useSweep.getState().probing !== key) return;
    if (pageTraining()) useSweep.setState({ probing: null });
    else useSweep.setState({ rate: { key, stepsPerSec: 1 / secPerStep, evalSec }, probing: null });
  } catch (e) {
    useSweep.setState({
      probing: null,
      message: `could not time a cell: ${e instanceof Error ? e.message : String(e)}`,
    });
  }
}

/** PROGRESS_MS: cells in training report every 50 meta-steps; the page shows them this often */
const PROGRESS_MS = 250;

/** Progress reports coalesced: the store (and the map) update at most every PROGRESS_MS. */
class ProgressInbox {
  private pending = new Map<number, number>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  add(index: number, step: number): void {
    this.pending.set(index, step);
    this.timer ??= setTimeout(() => this.flush(), PROGRESS_MS);
  }

  /** a finished cell's late reports are dropped */
  drop(index: number): void {
    this.pending.delete(index);
  }

  private flush(): void {
    this.timer = null;
    const st = useSweep.getState();
    if (st.status !== 'running' || this.pending.size === 0) return;
    const next = { ...st.inProgress };
    for (const [i, step] of this.pending) if (st.cells[i] === null) next[i] = step;
    this.pending.clear();
    useSweep.setState({ inProgress: next });
  }
}

/** Train the map's cells that have not finished (all of them for a new map). */
export function startMap(plan: SweepPlan): void {
  pool?.cancel();
  const s = useSweep.getState();
  const same = s.plan !== null && planKey(s.plan) === planKey(plan);
  const cells = same ? s.cells : plan.cells.map(() => null);
  const runTexts = same ? s.runTexts : plan.cells.map(() => null);
  const todo = plan.cells
    .map((c) => c.index)
    .filter((i) => cells[i] === null || cells[i]?.failed !== undefined);
  const page = useStore.getState();
  if (page.running) page.pause();
  const workers = poolSize(navigator.hardwareConcurrency, todo.length);
  const info = s.families[parseExperiment(plan.config).config.task];
  if (!info) return;
  useSweep.setState({
    plan,
    metric: info.metric,
    cells: cells.map((c) => (c?.failed !== undefined ? null : c)),
    runTexts,
    inProgress: {},
    status: 'running',
    message: page.running ? 'the playground’s training is paused while the map trains' : null,
    workers,
    startedAt: performance.now(),
    cellSecs: [],
    tookSec: null,
    hover: null,
  });
  const started = performance.now();
  const progress = new ProgressInbox();
  const began = new Map<number, number>();
  pool = new CellPool(plan, todo, makeWorker, wasmPath(), {
    began: (index) => began.set(index, performance.now()),
    progress: (index, step) => progress.add(index, step),
    done: (result, runText) => {
      progress.drop(result.index);
      const from = began.get(result.index);
      const sec =
        from !== undefined && result.failed === undefined ? (performance.now() - from) / 1000 : null;
      useSweep.setState((st) => {
        const { [result.index]: _done, ...rest } = st.inProgress;
        const cells2 = [...st.cells];
        const texts = [...st.runTexts];
        cells2[result.index] = result;
        texts[result.index] = runText;
        const cellSecs = sec !== null ? [...st.cellSecs, sec] : st.cellSecs;
        return { cells: cells2, runTexts: texts, inProgress: rest, cellSecs };
      });
      keepCell(plan, result.index, runText);
    },
    finished: () => {
      pool = null;
      useSweep.setState({ status: 'done', tookSec: (performance.now() - started) / 1000 });
    },
    fatal: (message) => {
      pool = null;
      useSweep.setState({ status: 'failed', message, inProgress: {} });
    },
  });
  pool.start(workers);
}

/** Stop training; the finished cells stay (Start trains the rest). */
export function cancelMap(): void {
  pool?.cancel();
  pool = null;
  if (useSweep.getState().status === 'running') useSweep.setState({ status: 'cancelled', inProgress: {} });
}

/** The cell's run (its settings and θ, Adam's moments, its task stream) continues in the playground. */
export function openCell(index: number): void {
  const s = useSweep.getState();
  const text = s.runTexts[index];
  const cell = s.cells[index];
  if (!text || !cell || !s.plan) return;
  const at = [`${AXIS_LABELS[s.plan.x.name]} ${formatAxisValue(cell.x)}`];
  if (s.plan.y && cell.y !== null) at.push(`${AXIS_LABELS[s.plan.y.name]} ${formatAxisValue(cell.y)}`);
  session.openRun(text, `the map’s cell at ${at.join(', ')}`);
}
