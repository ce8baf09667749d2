import { useId } from 'react';
import { ALGO_LABELS } from '../../core/experiment';
import type { ThetaSubject } from '../../worker/protocol';
import { familyOf } from '../shell/families';
import { formatCount } from '../kit/format';
import { useStore, type Store } from '../shell/store';
import { InnerPathsChart } from './InnerPathsChart';
import { InnerRatesChart } from './InnerRatesChart';
import { LandscapeChart } from './LandscapeChart';
import { trajectoryColor } from '../kit/palette';
import { TrajectoryChart } from './TrajectoryChart';
import { ChartDownload } from './download/ChartDownload';
import { CHART_EXPORTS } from './download/charts';
import { Legend, type LegendEntry } from '../kit/legend';

/** The view's legend: the time colours of the trajectory (once it is there), θ₀, θ and the zoom window. */
function legendEntries(subject: ThetaSubject, time: { first: number; last: number } | null): LegendEntry[] {
  return [
    ...(time
      ? [
          {
            key: 'time',
            lead: `step ${time.first}`,
            mark: {
              kind: 'scale',
              id: `theta-time-${subject}`,
              color: (t: number) => trajectoryColor(subject, t),
              stops: [0, 0.25, 0.5, 0.75, 1],
              length: 140,
              label: `colour scale: meta-step ${time.first} to ${time.last}`,
            } as const,
            label: `step ${time.last}`,
            testId: 'theta-time-legend',
          },
        ]
      : []),
    {
      key: 'start',
      label: 'θ₀ (where the trail starts)',
      mark: { kind: 'box', side: 9, size: 12, fill: '#fff', stroke: trajectoryColor(subject, 0.55), line: 2 },
    },
    {
      key: 'current',
      label: 'current θ',
      mark: { kind: 'dot', r: 5.5, size: 14, fill: trajectoryColor(subject, 1), stroke: '#fff', line: 1.5 },
    },
    {
      key: 'zoom',
      label: 'window shown zoomed at right',
      mark: { kind: 'box', side: 12, size: 14, className: 'zoom-window' },
    },
  ];
}

const SUBJECT_LABELS: Record<ThetaSubject, string> = {
  maml: 'meta-learned θ',
  pretrained: 'pretrained θ',
};

type ThetaUi = NonNullable<ReturnType<typeof familyOf>['theta']>;

/** Whose trajectory, the random init's paths and the loss landscape, in the view's header. */
function ThetaTools({
  ui,
  subject,
  randomId,
  showRandom,
  busy,
  landscape,
  pct,
}: {
  ui: ThetaUi;
  subject: ThetaSubject;
  randomId: string;
  showRandom: boolean;
  busy: Store['landscapeBusy'];
  landscape: Store['landscape'];
  pct: number;
}) {
  const { setThetaView, computeLandscape } = useStore.getState();
  return (
    <div className="chart-tools">
      {ui.subjects.length > 1 ? (
        <div className="segmented" role="group" aria-label="trajectory of">
          <span className="segmented-label">trajectory of</span>
          {ui.subjects.map((s) => (
            <button
              key={s}
              type="button"
              aria-pressed={subject === s}
              onClick={() => setThetaView({ subject: s })}
              title={
                s === 'maml'
                  ? 'Follow the meta-learned θ (MAML, first-order MAML, Meta-SGD or Reptile, as chosen).'
                  : 'Follow the pretrained baseline’s own θ: the same network trained by plain regression on the same tasks.'
              }
            >
              {SUBJECT_LABELS[s]}
            </button>
          ))}
        </div>
      ) : null}
      <span
        className="inline-field"
        title="Also adapt the random initialisation (the seed's untrained θ) to the same tasks, drawn dashed and in its own zoomed panel at the same scale."
      >
        <input
          id={randomId}
          type="checkbox"
          checked={showRandom}
          onChange={(e) => setThetaView({ random: e.currentTarget.checked })}
        />
        <label htmlFor={randomId}>random init’s paths</label>
      </span>
      <button
        type="button"
        onClick={computeLandscape}
        disabled={busy !== null}
        title={`Evaluate the plain loss and the meta-objective on a ${ui.landscapeResolution}×${ui.landscapeResolution} grid over this plane around the current θ (in the worker, a little at a time between training steps).`}
      >
        {busy
          ? `Computing landscape… ${pct}%`
          : landscape
            ? 'Recompute loss landscape'
            : 'Compute loss landscape'}
      </button>
      <ChartDownload chart={CHART_EXPORTS['parameter-space']} />
    </div>
  );
}

/** The computed landscape's description and its two charts (before and after the inner loop). */
function LandscapeViews({
  ui,
  landscape,
  config,
  step,
}: {
  ui: ThetaUi;
  landscape: NonNullable<Store['landscape']>;
  config: Store['config'];
  step: number | null;
}) {
  return (
    <>
      <p className="chart-sub" data-testid="landscape-sub">
        Loss landscape around θ at step {landscape.step} on the same kind of plane (as it was then), a{' '}
        {landscape.resolution}×{landscape.resolution} grid, mean over {ui.landscapeTasks(landscape, config)};
        inner loop: {landscape.rate}.
        {landscape.step !== step ? ' θ has moved since: recompute to follow it.' : ''}
      </p>
      <div className="theta-row landscapes">
        <LandscapeChart kind="pre" />
        <LandscapeChart kind="post" />
      </div>
    </>
  );
}

/**
 * The parameter-space view: where meta-training moves θ, where one short inner loop takes θ for
 * each task, and the loss landscapes that explain why.
 */
export function ParameterSpace() {
  const report = useStore((s) => s.thetaReport);
  const config = useStore((s) => s.config);
  const ui = familyOf(config.task).theta;
  const asked = useStore((s) => s.thetaSubject);
  // a family that follows only MAML's θ shows it whatever was picked on another page
  const subject = ui && !ui.subjects.includes(asked) ? (ui.subjects[0] ?? asked) : asked;
  const showRandom = useStore((s) => s.showRandomPaths);
  const landscape = useStore((s) => s.landscape);
  const busy = useStore((s) => s.landscapeBusy);
  const algo = config.algo;
  // the step only matters beside a landscape: subscribing to it always would re-render this whole
  // view (and its charts) with every progress report while training
  const step = useStore((s) => (s.landscape !== null || s.landscapeBusy !== null ? s.step : null));
  const randomId = useId();

  const shown = report && report.subject === subject ? report : null;
  const first = shown ? (shown.steps[0] ?? 0) : 0;
  const last = shown ? (shown.steps[shown.count - 1] ?? 0) : 0;
  const pct = busy && busy.total > 0 ? Math.round((100 * busy.done) / busy.total) : 0;
  const subjectName = subject === 'maml' ? `the ${ALGO_LABELS[algo]} θ` : 'the pretrained baseline’s θ';
  if (!ui) return null;

  return (
    <section className="panel chart theta-view" aria-labelledby="theta-title" data-testid="theta-view">
      <div className="chart-head">
        <h2 id="theta-title">Parameter space (θ)</h2>
        <ThetaTools
          ui={ui}
          subject={subject}
          randomId={randomId}
          showRandom={showRandom}
          busy={busy}
          landscape={landscape}
          pct={pct}
        />
      </div>
      <p className="chart-sub live" data-testid="theta-sub">
        {shown
          ? `${formatCount(shown.numParams)} weights of ${subjectName}, projected onto the two principal components of ${shown.count} snapshot${shown.count === 1 ? '' : 's'} (steps ${first}–${last}, now one every ${shown.interval} step${shown.interval === 1 ? '' : 's'}). Inner loop: ${shown.rate}.`
          : 'waiting for θ…'}
      </p>
      <Legend
        label="Legend of the parameter-space view"
        entries={legendEntries(subject, shown ? { first, last } : null)}
      />
      <div className="theta-row">
        <TrajectoryChart />
        <InnerPathsChart />
      </div>
      {busy ? (
        <div className="landscape-progress" data-testid="landscape-progress">
          <label>
            Computing the loss landscape around θ at step {step ?? ''}: {pct}% ({busy.done} of{' '}
            {busy.total || '…'} chunks, taking turns with training)
            <progress max={busy.total || 1} value={busy.done} />
          </label>
        </div>
      ) : null}
      {landscape ? <LandscapeViews ui={ui} landscape={landscape} config={config} step={step} /> : null}
      <InnerRatesChart />
      <p className="caption">{ui.caption(shown ? formatCount(shown.numParams) : 'thousands of')}</p>
    </section>
  );
}
