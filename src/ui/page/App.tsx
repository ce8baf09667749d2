import { Suspense, use, useEffect, type ReactNode } from 'react';
import { TaskFamilySwitch } from '../controls/TaskFamilySwitch';
import type { UiFamily } from '../shell/family';
import { codeArrived } from '../kit/preloadable';
import { familyOf } from '../shell/families';
import { markRendered } from '../kit/firstPaint';
import { RunPanel } from '../controls/RunPanel';
import { RunsShelf } from '../shelf/RunsShelf';
import { MapButton, SensitivityMap } from '../sweep/SensitivityMap';
import { SharePanel } from '../controls/SharePanel';
import { Transport } from '../controls/Transport';
import { Notices } from './Notices';
import { useStore } from '../shell/store';
import { useWalkKeys } from '../walk/WalkThrough';

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

/** A family's code that loads on demand has arrived (or failed to: its parts then show their own fallbacks). */
export const familyCode = (family: UiFamily): Promise<void> => codeArrived(family, family.code);

/**
 * The page's body renders once the family's code has arrived, all at once, while its header shows
 * from the first render: panels that arrived one by one would push the page down as it opens.
 */
function PageBody({ family, children }: { family: UiFamily; children: ReactNode }) {
  if (family.code.length > 0) use(familyCode(family));
  return children;
}

/** One page for every family: the shared transport and share panel around the family's own parts. */
export function App() {
  useEffect(markRendered, []);
  useSpaceToggle();
  useWalkKeys();
  const task = useStore((s) => s.config.task);
  const family = familyOf(task);
  const body = (
    <>
      <main className="layout">
        <aside className="sidebar">
          <Transport />
          <family.Sidebar />
          <SharePanel />
          <RunPanel />
          <MapButton />
          <RunsShelf />
        </aside>
        <div className="charts">
          <SensitivityMap />
          <family.Views />
        </div>
      </main>
      <footer className="page-foot">{family.footer}</footer>
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
