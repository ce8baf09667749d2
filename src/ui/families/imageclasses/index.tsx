import type { UiFamily } from '../../shell/family';
import { glyphsUi } from '../glyphs';

/**
 * Your own image classes on the glyph lab's panels and views (the same network, engines and
 * evaluation). The classes come from an import: until the page has one, the CLI's --images trains
 * them, and the page says so.
 */
export const imageClassesUi: UiFamily = {
  ...glyphsUi,
  name: 'imageclasses',
  intro: (
    <>
      Few-shot classification of your own image classes: a zip or a folder with one folder per class (and
      optionally one level of groups above, like Omniglot&apos;s alphabet/character/). Images become 28×28
      grayscale ink; whole groups are held out for testing; Omniglot&apos;s own images_background and
      images_evaluation archives follow the paper&apos;s protocol (1,200 training characters, 423 held out,
      90° rotations as extra classes).
    </>
  ),
  footer: (
    <>
      Train on them from a terminal:{' '}
      <code>npm run train -- --config &apos;task=imageclasses&apos; --images path/to/folder-or.zip</code> (see
      docs/own-images.md). Nothing is uploaded anywhere.
    </>
  ),
};
