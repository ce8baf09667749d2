import { SPLIT_SUMMARY } from '../../../core/families/glyphs/data/splitSummary';
import type { LabUi } from '../family';
import { preloadable } from '../preloadable';
import { glyphThetaUi } from './thetaUi';

/**
 * Glyph classification: the shared transport and share panel, plus the lab's own panels (the
 * shipped θ, its settings) and views (support images, accuracy, the drawing pad). The lab's code
 * loads only when a glyph page opens.
 */
export const glyphsUi: LabUi = {
  name: 'glyphs',
  page: 'lab',
  intro: (
    <>
      Few-shot classification of hand-drawn glyphs, the MAML paper&apos;s Omniglot experiment in miniature.
      Each task is N never-before-seen characters with K drawings each; MAML meta-learns a conv net&apos;s
      initial weights θ so that a few SGD steps on those K examples classify new drawings. Test tasks come
      from alphabets held out of meta-training. Then teach it symbols of your own.
    </>
  ),
  footer: (
    <>
      Glyphs are rendered from the Hershey stroke fonts with a random &quot;hand&quot; per drawing;
      meta-training uses {SPLIT_SUMMARY.train.alphabets} alphabets ({SPLIT_SUMMARY.train.characters}{' '}
      characters), the tasks shown and evaluated come from the {SPLIT_SUMMARY.test.alphabets} held-out ones (
      {SPLIT_SUMMARY.test.characters} characters). Training runs in a Web Worker with TensorFlow.js; the
      settings are in the address bar, so the link reproduces the experiment.
    </>
  ),
  Controls: preloadable(() => import('./GlyphControls')),
  Views: preloadable(() => import('./GlyphViews')),
  theta: glyphThetaUi,
};
