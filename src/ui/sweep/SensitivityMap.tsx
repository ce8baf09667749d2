/**
 * "Map sensitivity": the button that opens the panel, and the panel: the form, the time estimate
 * (from cells timed on this machine), Start and Cancel, the progress bar with the time left, the
 * map, its share link and its downloads.
 */
import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { serializeSweepLink, type SweepSpec } from '../../core/sweep/spec';
import { planKey, type SweepPlan } from '../../core/sweep/mapFile';
import { ChartDownload } from '../charts/download/ChartDownload';
import { useStore } from '../shell/store';
import { pageQuery } from '../shell/url';
import { MapForm } from './MapForm';
import { MapHeatmap } from './MapHeatmap';
import { parseDraft } from './mapDraft';
import { estimateSeconds, formatSeconds, paceSecondsLeft, secondsLeft } from './mapView';
import { MAP_EXPORT } from './mapExport';
import './sweep.css';
import { restorePlan } from './mapKeeper';
import { poolSize } from './cellPool';
import { useSweep, stepsDone, type MapRate, type SweepState } from './sweepStore';
import {
  cancelMap,
  closeMapPanel,
  describeFamily,
  measureRate,
  openMapPanel,
  planFor,
  startMap,
} from './sweepRun';

export function MapButton() {
  const open = useSweep((s) => s.open);
  return (
    <button
      type="button"
      data-testid="sweep-open"
      aria-expanded={open}
      onClick={() => (open ? closeMapPanel() : openMapPanel())}
    >
      Map sensitivity
    </button>
  );
}

/** The clock (performance.now), read every second while a map trains, for the time left. */
function useClock(on: boolean): number {
  const [now, set] = useState(0);
  useEffect(() => {
    if (!on) return;
    const tick = () => set(performance.now());
    const t = setInterval(tick, 1000);
    return () => clearInterval(t);
  }, [on]);
  return now;
}

/** what the progress line reads of the map's store (a hover or a form edit does not redraw it) */
const progressOf = (s: SweepState) => ({
  plan: s.plan,
  cells: s.cells,
  inProgress: s.inProgress,
  status: s.status,
  workers: s.workers,
  startedAt: s.startedAt,
  cellSecs: s.cellSecs,
  tookSec: s.tookSec,
  rate: s.rate,
});

type ProgressView = ReturnType<typeof progressOf>;

/**
 * Seconds left while the map trains: at its own pace once cells have finished in this run; before
 * that, the estimate made before Start less the time spent; without one, its meta-steps' pace.
 */
function timeLeft(s: ProgressView, elapsed: number): number | null {
  if (!s.plan || s.status !== 'running') return null;
  const { steps } = s.plan;
  const finished = s.cells.filter((c) => c !== null).length;
  const pace = paceSecondsLeft({
    cells: s.plan.cells.length,
    finished,
    inProgress: Object.values(s.inProgress).map((n) => n / steps),
    cellSecs: s.cellSecs,
    workers: s.workers,
  });
  if (pace !== null) return pace;
  if (s.rate?.key === planKey(s.plan))
    return Math.max(0, estimateSeconds(s.plan.cells.length - finished, steps, s.rate, s.workers) - elapsed);
  return secondsLeft(s.plan.cells.length * steps, stepsDone(s), elapsed);
}

function Progress() {
  const s = useSweep(useShallow(progressOf));
  const now = useClock(s.status === 'running');
  if (!s.plan) return null;
  const total = s.plan.cells.length * s.plan.steps;
  const done = stepsDone(s);
  const finished = s.cells.filter((c) => c !== null).length;
  const elapsed = s.startedAt !== null ? Math.max(0, now - s.startedAt) / 1000 : 0;
  const left = timeLeft(s, elapsed);
  const text =
    s.status === 'running'
      ? `${finished} of ${s.plan.cells.length} cells on ${s.workers} worker${s.workers === 1 ? '' : 's'}${left !== null ? `, about ${formatSeconds(left)} left` : ''}`
      : s.status === 'done'
        ? `all ${s.plan.cells.length} cells finished${s.tookSec !== null ? ` in ${formatSeconds(s.tookSec)}` : ''}`
        : `${finished} of ${s.plan.cells.length} cells finished (${s.status})`;
  return (
    <div className="sweep-progress">
      <progress max={total} value={done} aria-label="cells trained" />
      <span data-testid="sweep-progress">{text}</span>
    </div>
  );
}

function shareLink(spec: Parameters<typeof serializeSweepLink>[0]): string {
  const s = useStore.getState();
  const url = new URL(window.location.href);
  url.search = `?${pageQuery(s.config, s.backendRequest, s.engineRequest)}&sweep=${serializeSweepLink(spec)}&sweepsteps=${spec.steps}`;
  url.hash = '';
  return url.toString();
}

/**
 * The estimate before Start: from the rate measured on this map's cells, once it is known (timed
 * only while the playground's training is paused).
 */
function estimateText(
  plan: SweepPlan | null,
  rate: MapRate | null,
  probing: string | null,
  pageBusy: boolean,
): string {
  if (!plan) return '';
  const key = planKey(plan);
  const workers = poolSize(navigator.hardwareConcurrency, plan.cells.length);
  if (rate?.key === key) {
    const sec = estimateSeconds(plan.cells.length, plan.steps, rate, workers);
    return `about ${formatSeconds(sec)} on ${workers} worker${workers === 1 ? '' : 's'} (${Math.round(rate.stepsPerSec)} meta-steps/s measured on this map's first and last cells)`;
  }
  if (probing === key) return 'timing a few meta-steps for the estimate…';
  return pageBusy ? 'the estimate is timed once the playground’s training is paused (Start pauses it)' : '';
}

/** Start, Cancel, the map's share link, Close, and the estimate. */
function MapActions({ plan, spec }: { plan: SweepPlan | null; spec: SweepSpec | null }) {
  const { status, rate, probing } = useSweep(
    useShallow((s) => ({ status: s.status, rate: s.rate, probing: s.probing })),
  );
  const pageBusy = useStore((p) => p.running || p.workerTraining);
  const [copied, setCopied] = useState(false);
  return (
    <div className="sweep-row">
      <button
        type="button"
        data-testid="sweep-start"
        disabled={!plan || status === 'running'}
        onClick={() => plan && startMap(plan)}
      >
        Start
      </button>
      <button type="button" data-testid="sweep-cancel" disabled={status !== 'running'} onClick={cancelMap}>
        Cancel
      </button>
      <button
        type="button"
        disabled={!spec}
        onClick={() => {
          if (!spec) return;
          void navigator.clipboard?.writeText(shareLink(spec)).then(() => setCopied(true));
        }}
      >
        {copied ? 'Link copied' : 'Copy link to this map'}
      </button>
      <button type="button" onClick={closeMapPanel}>
        Close
      </button>
      <span className="note" data-testid="sweep-estimate">
        {estimateText(plan, rate, probing, pageBusy)}
      </span>
    </div>
  );
}

export function SensitivityMap() {
  // each part of the panel reads its own slice: a progress report redraws the bar and the map only
  const { open, draft, message, families } = useSweep(
    useShallow((s) => ({ open: s.open, draft: s.draft, message: s.message, families: s.families })),
  );
  const config = useStore((s) => s.config);
  const pageBusy = useStore((s) => s.running || s.workerTraining);
  const family = families[config.task];
  const parse = useMemo(() => parseDraft(draft, config.task), [draft, config.task]);
  const plan = useMemo(
    () => (parse.spec && family ? planFor(config, parse.spec, family) : null),
    [parse, config, family],
  );
  useEffect(() => {
    if (open) void describeFamily(config.task);
  }, [open, config.task]);
  useEffect(() => {
    if (!open || !plan) return;
    if (useSweep.getState().linkRestore) {
      useSweep.setState({ linkRestore: false });
      void restorePlan(plan);
    }
    if (!pageBusy) void measureRate(plan);
  }, [open, plan, pageBusy]);
  if (!open) return null;
  return (
    <section className="panel sweep" aria-labelledby="sweep-title" data-testid="sweep-panel">
      <div className="chart-head">
        <h2 id="sweep-title">Sensitivity map</h2>
        <ChartDownload chart={MAP_EXPORT} />
      </div>
      <p className="chart-sub">
        Each cell trains the current experiment from the same seed with that cell’s settings, on the fused
        engine, and is scored on held-out tasks after one inner step (as <code>npm run sweep</code> does).
      </p>
      <MapForm draft={draft} task={config.task} parse={parse} />
      <MapActions plan={plan} spec={parse.spec} />
      {message ? (
        <p className="note" data-testid="sweep-message">
          {message}
        </p>
      ) : null}
      <Progress />
      <MapHeatmap />
    </section>
  );
}
