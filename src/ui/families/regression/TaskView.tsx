import * as d3 from 'd3';
import { familySchema } from '../../../core/experiment';
import { testDiffers, type Split } from '../../../core/families/regression/distribution';
import { useEffect, useRef } from 'react';
import { METHODS, type MethodName } from '../../../worker/protocol';
import { RangeField } from '../../controls/RangeField';
import { subscribeFrame } from '../../shell/store';
import { regressionState, useRegressionStore as useStore } from './regressionStore';
import { FanLegend } from './FanLegend';
import { METHOD_COLORS, taskColor } from '../../kit/palette';
import { clickSupportPoint } from './supportPointClick';
import { drawPanel, type Scales } from './taskPanel';
import { useWidth } from '../../kit/useWidth';
import { hoverProps } from '../../kit/hover';
import { ChartDownload } from '../../charts/download/ChartDownload';
import { TASK_VIEW_EXPORT } from './taskViewExport';

const PANEL_TITLES: Record<MethodName, string> = {
  maml: 'MAML initialisation θ',
  pretrained: 'Pretrained initialisation',
  random: 'Random initialisation',
};

const PANEL_HELP: Record<MethodName, string> = {
  maml: 'The meta-learned θ, fine-tuned on this task with plain SGD at the inner learning rate α.',
  pretrained:
    'The same network trained by ordinary regression on all tasks at once, then fine-tuned the same way.',
  random: 'The untrained network at the seed’s initial weights, fine-tuned the same way.',
};

type RegressionView = ReturnType<typeof useStore.getState>;
type HoveredOther = { label: string; color: string } | null;

/** The other shown task under the pointer in the parameter-space view, whose curve the panels draw. */
function useHoveredOther(): HoveredOther {
  const shownHasView = useStore((s) => s.shownTasks !== null && s.shownTasks.viewTaskId !== null);
  const hoveredIndex = useStore((s) => {
    const h = s.hoverTask;
    if (!s.shownTasks || h === null || h >= s.shownTasks.count) return null;
    return s.shownTasks.viewTaskId !== null && h === 0 ? null : h;
  });
  return hoveredIndex === null
    ? null
    : {
        label: `task ${shownHasView ? hoveredIndex : hoveredIndex + 1}`,
        color: taskColor(hoveredIndex, shownHasView),
      };
}

/**
 * The panels' elements and the scales of their last drawing; one frame subscription per panel,
 * so the frame scheduler can spread the three redraws.
 */
function usePanelRedraw(panelWidth: number) {
  const svgs = useRef<Partial<Record<MethodName, SVGSVGElement | null>>>({});
  const summaries = useRef<Partial<Record<MethodName, HTMLElement | null>>>({});
  const scales = useRef<Partial<Record<MethodName, Scales>>>({});

  useEffect(() => {
    const unsubscribe = METHODS.map((m) => {
      const draw = () => {
        const el = svgs.current[m];
        if (el)
          scales.current[m] = drawPanel(el, summaries.current[m] ?? null, m, useStore.getState(), panelWidth);
      };
      return subscribeFrame((store) => {
        const s = regressionState(store);
        return [s.predictions, s.task, s.config.task, s.hoverTask, s.shownTasks];
      }, draw);
    });
    return () => unsubscribe.forEach((u) => u());
  }, [panelWidth]);
  return { svgs, summaries, scales };
}

/** New task, the steps shown in the fan and the download, in the view's header. */
function TaskTools({
  newTask,
  fanSteps,
  setFanSteps,
  testDiffers,
}: {
  newTask: (split?: Split) => void;
  fanSteps: number;
  setFanSteps: (steps: number) => void;
  /** the config tests on another distribution than it meta-trains on */
  testDiffers: boolean;
}) {
  return (
    <div className="chart-tools">
      <button
        type="button"
        onClick={() => newTask('train')}
        title="New task: sample another task of this family (e.g. a new amplitude and phase) with K support points from the seed."
      >
        New task
      </button>
      {testDiffers ? (
        <button
          type="button"
          onClick={() => newTask('test')}
          title="New test task: sample a task from the test distribution (the test ranges), not meta-training's."
        >
          New test task
        </button>
      ) : null}
      <div className="compact">
        <RangeField
          label="adaptation steps shown"
          help="How many test-time inner SGD steps to draw in the fan (the paper evaluates up to 10)."
          value={fanSteps}
          min={0}
          max={10}
          onChange={setFanSteps}
        />
      </div>
      <ChartDownload chart={TASK_VIEW_EXPORT} />
    </div>
  );
}

/** The task's description, its support size and α, and which other task's curve is drawn. */
function TaskDesc({
  task,
  config,
  hoveredOther,
}: {
  task: RegressionView['task'];
  config: RegressionView['config'];
  hoveredOther: HoveredOther;
}) {
  return (
    <p className="task-desc">
      {task.split === 'test' ? 'Test task' : 'Task'} <strong>{task.description}</strong> · {task.xs.length}{' '}
      support point
      {task.xs.length === 1 ? '' : 's'} · inner learning rate α = {config.alpha}
      {config.algo === 'metasgd' ? ' (MAML panel: the learned per-parameter α)' : ''}
      {config.algo === 'mamlpp' ? ' (MAML++ panel: each inner step’s learned rates)' : ''}
      {hoveredOther ? (
        <span className="ghost-note" style={{ color: hoveredOther.color }}>
          {' '}
          · coloured curve: {hoveredOther.label} of the parameter-space view
        </span>
      ) : null}
    </p>
  );
}

/** One initialisation's panel: the fan drawn into its svg, with its summary below. */
function MethodPanel({
  m,
  fanSteps,
  svgRef,
  summaryRef,
  onClick,
}: {
  m: MethodName;
  fanSteps: number;
  svgRef: (el: SVGSVGElement | null) => void;
  summaryRef: (el: HTMLElement | null) => void;
  onClick: (e: React.MouseEvent<SVGSVGElement>) => void;
}) {
  return (
    <figure className="task-panel" data-panel={m}>
      <figcaption title={PANEL_HELP[m]}>
        <span className="swatch" style={{ background: METHOD_COLORS[m] }} />
        {PANEL_TITLES[m]}
      </figcaption>
      <svg
        ref={svgRef}
        className="clickable"
        role="img"
        aria-label={`${PANEL_TITLES[m]}: predictions after 0 to ${fanSteps} test-time SGD steps. Click to add a support point, click a point to remove it.`}
        onClick={onClick}
      />
      <p className="panel-summary" data-testid={`summary-${m}`} ref={summaryRef} />
    </figure>
  );
}

/**
 * The task view: one sampled task, its K support points, and for each initialisation the fan of
 * predictions after 0..n inner SGD steps on those points (computed in the worker).
 */
export function TaskView() {
  const containerRef = useRef<HTMLDivElement>(null);
  const width = useWidth(containerRef, 900);
  const task = useStore((s) => s.task);
  const fanSteps = useStore((s) => s.fanSteps);
  const config = useStore((s) => s.config);
  const { newTask, setFanSteps, setHoverTask } = useStore.getState();
  // the parameter-space view highlights this task's path while the pointer is over the panels
  const linked = useStore((s) => s.hoverTask === 0 && s.shownTasks?.viewTaskId === s.task.id);
  const hoveredOther = useHoveredOther();

  const columns = width >= 720 ? 3 : 1;
  const panelWidth = Math.floor((width - (columns - 1) * 14) / columns);

  const { svgs, summaries, scales } = usePanelRedraw(panelWidth);

  const onClick = (method: MethodName) => (e: React.MouseEvent<SVGSVGElement>) => {
    const sc = scales.current[method];
    if (!sc) return;
    const [px, py] = d3.pointer(e.nativeEvent, e.currentTarget);
    clickSupportPoint(sc, px, py);
  };

  return (
    <section className={`panel chart task-view${linked ? ' linked' : ''}`} aria-labelledby="task-title">
      <div className="chart-head">
        <h2 id="task-title">Task view: adapting to one task</h2>
        <TaskTools
          newTask={newTask}
          fanSteps={fanSteps}
          setFanSteps={setFanSteps}
          testDiffers={testDiffers(config, familySchema(config.task).fields)}
        />
      </div>
      <TaskDesc task={task} config={config} hoveredOther={hoveredOther} />
      <FanLegend steps={fanSteps} />
      <div ref={containerRef} className={`panels cols-${columns}`} {...hoverProps(setHoverTask, 0)}>
        {METHODS.map((m) => (
          <MethodPanel
            key={m}
            m={m}
            fanSteps={fanSteps}
            svgRef={(el) => {
              svgs.current[m] = el;
            }}
            summaryRef={(el) => {
              summaries.current[m] = el;
            }}
            onClick={onClick(m)}
          />
        ))}
      </div>
      <p className="caption">
        Each panel starts from a different initialisation and takes plain SGD steps on the black support
        points only; dark dashed is the prediction before any step, warmer colours come after more steps. A
        good meta-learned θ fits the dashed true curve after one or a few steps from only K points; the random
        and pretrained initialisations barely move or fit the points without recovering the true curve. Click
        anywhere to add a point (it need not lie on the curve), click a point to remove it.
      </p>
    </section>
  );
}
