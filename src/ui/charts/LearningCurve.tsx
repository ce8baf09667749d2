import { useEffect, useId, useRef, type ComponentProps } from 'react';
import { subscribeFrame, useStore } from '../shell/store';
import { RangeField } from '../controls/RangeField';
import { evalHistoryView } from '../shell/evalView';
import { comparedEntries, useComparedRuns } from './comparedOverlay';
import { Legend } from '../kit/legend';
import { METHOD_COLORS } from '../kit/palette';
import { useWidth } from '../kit/useWidth';
import { ChartDownload } from './download/ChartDownload';
import { CHART_EXPORTS } from './download/charts';
import { draw } from './learningCurveDraw';

/** while training the curve is redrawn five times a second: live to the eye, light on the main thread */
const LIVE_REDRAW_MS = 200;

/** The curve's svg, redrawn when what it shows changes, at most every LIVE_REDRAW_MS. */
function useCurveSvg(width: number) {
  const svgRef = useRef<SVGSVGElement>(null);
  useEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    const redraw = () => {
      const s = useStore.getState();
      draw(el, width, s, evalHistoryView(s));
    };
    return subscribeFrame(
      (s) => [
        s.seriesVersion,
        evalHistoryView(s),
        s.smoothing,
        s.lossLog,
        s.showPretrainedLoss,
        s.compared,
        s.config.task,
      ],
      redraw,
      LIVE_REDRAW_MS,
    );
  }, [width]);
  return svgRef;
}

/** Smoothing, the log axis, the pretrained loss and the download, in the chart's header. */
function CurveTools({
  smoothing,
  lossLog,
  showPretrained,
  pretrainedHelp,
  logId,
  preId,
}: {
  smoothing: number;
  lossLog: boolean;
  showPretrained: boolean;
  pretrainedHelp: string;
  logId: string;
  preId: string;
}) {
  const set = useStore((s) => s.set);
  return (
    <div className="chart-tools">
      <div className="compact">
        <RangeField
          label="smoothing"
          help="Exponential moving average weight, as in TensorBoard (debiased): 0 shows raw losses, 0.99 a long average."
          value={smoothing}
          min={0}
          max={0.99}
          step={0.01}
          format={(v) => v.toFixed(2)}
          onChange={(v) => set('smoothing', v)}
        />
      </div>
      <span className="inline-field" title="Plot the loss on a logarithmic axis (losses span decades).">
        <input
          id={logId}
          type="checkbox"
          checked={lossLog}
          onChange={(e) => set('lossLog', e.currentTarget.checked)}
        />
        <label htmlFor={logId}>log y (learning curve)</label>
      </span>
      <span className="inline-field" title={pretrainedHelp}>
        <input
          id={preId}
          type="checkbox"
          checked={showPretrained}
          onChange={(e) => set('showPretrainedLoss', e.currentTarget.checked)}
        />
        <label htmlFor={preId}>pretrained training loss</label>
      </span>
      <ChartDownload chart={CHART_EXPORTS['learning-curve']} />
    </div>
  );
}

/** The legend: the meta-loss, the pretrained loss when shown, the evaluation points and compared runs. */
function legendEntries(
  showPretrained: boolean,
  history: ReturnType<typeof evalHistoryView>,
  compared: ReturnType<typeof useComparedRuns>,
): ComponentProps<typeof Legend>['entries'] {
  return [
    {
      key: 'maml',
      label: 'MAML meta-loss (band: raw, line: smoothed)',
      mark: { kind: 'band', color: METHOD_COLORS.maml, opacity: 0.22, band: 8, width: 2 },
    },
    showPretrained
      ? {
          key: 'pretrained',
          label: 'pretrained training loss',
          mark: { kind: 'line', color: METHOD_COLORS.pretrained },
        }
      : null,
    ...history.methods.map((m) => ({
      key: m,
      label: history.pointLabel(m),
      mark: {
        kind: 'dot',
        r: 3.5,
        size: 12,
        className: 'eval-point',
        stroke: METHOD_COLORS[m],
      } as const,
    })),
    ...comparedEntries(compared, history.axis === 'right' ? 'meta-loss; dotted: accuracy' : 'meta-loss'),
  ];
}

/**
 * Meta-loss per step (raw and TensorBoard-smoothed) with the periodic held-out evaluation, on the
 * loss axis when it measures the same (MSE) or on an axis of its own (accuracy).
 */
export function LearningCurve() {
  const ref = useRef<HTMLDivElement>(null);
  const width = useWidth(ref, 480);
  const smoothing = useStore((s) => s.smoothing);
  const lossLog = useStore((s) => s.lossLog);
  const showPretrained = useStore((s) => s.showPretrainedLoss);
  const history = useStore(evalHistoryView);
  const compared = useComparedRuns();
  const logId = useId();
  const preId = useId();

  const svgRef = useCurveSvg(width);

  return (
    <section className="panel chart" aria-labelledby="learning-title">
      <div className="chart-head">
        <h2 id="learning-title">Learning curve</h2>
        <CurveTools
          smoothing={smoothing}
          lossLog={lossLog}
          showPretrained={showPretrained}
          pretrainedHelp={history.pretrainedHelp}
          logId={logId}
          preId={preId}
        />
      </div>
      <Legend
        label="Legend of the learning curve"
        entries={legendEntries(showPretrained, history, compared)}
      />
      <div ref={ref} className="chart-body">
        <svg ref={svgRef} role="img" aria-label={history.ariaLabel} />
      </div>
      <p className="caption">{history.caption}</p>
    </section>
  );
}
