import { Suspense } from 'react';
import { preloadable } from '../../kit/preloadable';
import type { UiFamily } from '../../shell/family';
import { glyphsUi } from '../glyphs';

const Controls = preloadable(() => import('./ImageClassesControls'));

function Sidebar() {
  return (
    <Suspense fallback={null}>
      <Controls />
    </Suspense>
  );
}

/**
 * Your own image classes: the glyph lab with imported data. Every view, the store part, the
 * session part, the walk-through, the θ view and the link rules are the glyph lab's; the sidebar
 * puts the image import above the experiment's settings (the shipped θ was trained on the
 * generated glyphs, so it is not offered).
 */
export const imageClassesUi: UiFamily = {
  ...glyphsUi,
  name: 'imageclasses',
  intro: (
    <>
      Few-shot classification of your own image classes: a zip or a dropped folder with one folder per class
      (optionally grouped, like Omniglot&apos;s alphabet/character/ folders; Omniglot&apos;s own archives work
      as they are, with the paper&apos;s split and rotations). Images become 28×28 grayscale, and MAML
      meta-learns the same conv net as the glyph lab. Nothing leaves your browser.
    </>
  ),
  footer: (
    <>
      The images are decoded in a Web Worker and kept in this browser (IndexedDB) with the run; a share link
      carries their content hash, not the images. Training runs in a Web Worker with TensorFlow.js.
    </>
  ),
  code: [Controls, ...glyphsUi.code],
  Sidebar,
};
