import { loadedImageClasses } from '../../data/images/loaded';
import { ImportError } from '../../data/images/limits';
import type { TaskFamily } from '../family';
import { glyphFamily } from '../glyphs/family';
import { GlyphRun, glyphStateSizes } from '../glyphs/run';
import { imageClassesSchema } from './schema';
import { ImageSource } from './source';

/** The imported classes a run trains on; a clear line when none are loaded. */
export function loadedSource(): ImageSource {
  const set = loadedImageClasses();
  if (!set)
    throw new ImportError(
      'no image classes are loaded: the CLI takes them with --images <folder or .zip> (the page has no import yet)',
    );
  return new ImageSource(set);
}

/**
 * The user's image classes: everything but the data is the glyph family's (network, fused
 * engines, pretrained baseline, evaluation), so numbers compare with the glyph runs'.
 */
export const imageClassesFamily: TaskFamily = {
  ...glyphFamily,
  schema: imageClassesSchema,
  createRun: (config, start) => new GlyphRun(config, start, loadedSource(), imageClassesFamily),
  stateSizes: (config) => glyphStateSizes(config, loadedSource()),
};
