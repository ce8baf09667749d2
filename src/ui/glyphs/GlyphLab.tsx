import { useEffect } from 'react';
import { SPLIT_SUMMARY } from '../../core/families/glyphs/data/splitSummary';
import { Notices } from '../Notices';
import { DrawingLab } from './DrawingLab';
import { AccuracyChart, GlyphLearningCurve } from './glyphCharts';
import { GlyphControls } from './GlyphControls';
import { useGlyphStore } from './glyphStore';
import { TaskFamilySwitch } from '../controls/TaskFamilySwitch';
import { TaskPanel } from './TaskPanel';
import './glyphs.css';

/** Space toggles play/pause, except where the key types or presses something itself. */
function useSpaceToggle(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.code !== 'Space' && e.key !== ' ') return;
      const t = e.target;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (
        t instanceof HTMLElement &&
        (t.isContentEditable || ['TEXTAREA', 'SELECT', 'INPUT'].includes(t.tagName))
      )
        return;
      e.preventDefault();
      if (e.type === 'keydown' && !e.repeat) useGlyphStore.getState().toggle();
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onKey);
    };
  }, []);
}

/** The page for few-shot glyph classification (`task=glyphs`). */
export function GlyphLab() {
  useSpaceToggle();
  return (
    <>
      <header className="page-head">
        <div className="head-row">
          <h1>MAML Playground</h1>
          <TaskFamilySwitch task="glyphs" />
        </div>
        <p>
          Few-shot classification of hand-drawn glyphs, the MAML paper&apos;s Omniglot experiment in
          miniature. Each task is N never-before-seen characters with K drawings each; MAML meta-learns a conv
          net&apos;s initial weights θ so that a few SGD steps on those K examples classify new drawings. Test
          tasks come from alphabets held out of meta-training. Then teach it symbols of your own.
        </p>
      </header>
      <Notices />
      <main className="layout">
        <aside className="sidebar">
          <GlyphControls />
        </aside>
        <div className="charts">
          <TaskPanel />
          <div className="chart-row">
            <AccuracyChart />
            <GlyphLearningCurve />
          </div>
          <DrawingLab />
        </div>
      </main>
      <footer className="page-foot">
        Glyphs are rendered from the Hershey stroke fonts with a random &quot;hand&quot; per drawing;
        meta-training uses {SPLIT_SUMMARY.train.alphabets} alphabets ({SPLIT_SUMMARY.train.characters}{' '}
        characters), the tasks shown and evaluated come from the {SPLIT_SUMMARY.test.alphabets} held-out ones
        ({SPLIT_SUMMARY.test.characters} characters). Training runs in a Web Worker with TensorFlow.js; the
        settings are in the address bar, so the link reproduces the experiment.
      </footer>
    </>
  );
}
