import { Suspense, use, useEffect, type ReactNode } from 'react';
import { FamilyCharts } from './charts/FamilyCharts';
import { TaskView } from './charts/TaskView';
import { ExperimentControls } from './controls/ExperimentControls';
import { TaskFamilySwitch } from './controls/TaskFamilySwitch';
import type { LabUi, UiFamily } from './families/family';
import { codeArrived } from './families/preloadable';
import { uiFamilyOf } from './families/registry';
import { markRendered } from './firstPaint';
import { RunPanel } from './controls/RunPanel';
import { RunsShelf } from './runs/RunsShelf';
import { SharePanel } from './controls/SharePanel';
import { Transport } from './controls/Transport';
import { Notices } from './Notices';
import { useStore } from './store';
import { useWalkKeys } from './walk/WalkThrough';

/** Elements where the space bar types or activates something itself. */
function spaceBelongsTo(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  // text fields type it, checkboxes tick with it; a range slider has no use for it
  if (tag === 'INPUT') return (target as HTMLInputElement).type !== 'range';
  return false;
}

/**
 * Space toggles play/pause anywhere except in text fields, checkboxes and menus. On a focused
 * button it toggles training instead of pressing the button (Enter still presses it).
 */
function useSpaceToggle(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.code !== 'Space' && e.key !== ' ') return;
      if (e.ctrlKey || e.metaKey || e.altKey || spaceBelongsTo(e.target)) return;
      // a focused button would also be "clicked" by space: handle it once, here
      e.preventDefault();
      if (e.type === 'keydown' && !e.repeat) useStore.getState().toggle();
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onKey);
    };
  }, []);
}

const REGRESSION_FOOTER = (
  <>
    Training runs in a Web Worker with TensorFlow.js; every task, weight and evaluation set derives from the
    seed, so a share link reproduces the run. Paper settings: α = 0.01, β = 0.001 (Adam), K = 10, meta-batch
    25, one inner step, network 1-40-40-1.
  </>
);

/** A lab's panels and views have arrived (or failed to: they then show their own fallbacks). */
export const labCode = (family: LabUi): Promise<void> => codeArrived(family, [family.Controls, family.Views]);

/**
 * A lab page's body renders once the lab's code has arrived, all at once, while its header shows
 * from the first render: panels that arrived one by one would push the page down as it opens.
 */
function PageBody({ family, children }: { family: UiFamily; children: ReactNode }) {
  if (family.page === 'lab') use(labCode(family));
  return children;
}

/** One page for every family: the shared transport and share panel around the family's own parts. */
export function App() {
  useEffect(markRendered, []);
  useSpaceToggle();
  useWalkKeys();
  const task = useStore((s) => s.config.task);
  const config = useStore((s) => s.config);
  const setConfig = useStore((s) => s.setConfig);
  const family = uiFamilyOf(task);
  const FamilyControls = family.Controls;
  const body = (
    <>
      <main className="layout">
        <aside className="sidebar">
          <Transport />
          {family.page === 'lab' ? (
            <Suspense fallback={null}>
              <family.Controls />
            </Suspense>
          ) : (
            <>
              <ExperimentControls />
              {FamilyControls ? <FamilyControls config={config} setConfig={setConfig} /> : null}
            </>
          )}
          <SharePanel />
          <RunPanel />
          <RunsShelf />
        </aside>
        <div className="charts">
          {family.page === 'lab' ? (
            <Suspense fallback={<p className="note">Loading the {family.name} views…</p>}>
              <family.Views />
            </Suspense>
          ) : (
            <FamilyCharts task={<TaskView />} />
          )}
        </div>
      </main>
      <footer className="page-foot">{family.page === 'lab' ? family.footer : REGRESSION_FOOTER}</footer>
    </>
  );
  return (
    <>
      <header className="page-head">
        <div className="head-row">
          <h1>MAML Playground</h1>
          <TaskFamilySwitch task={task} />
        </div>
        <p>{family.intro}</p>
      </header>
      <Suspense fallback={null}>
        <PageBody family={family}>{body}</PageBody>
      </Suspense>
      <Notices />
    </>
  );
}
