import type { FamilySchema } from '../../schema';
import { glyphSchema } from '../glyphs/schema';

/**
 * Few-shot classification of the user's own image classes (a zip or a folder, Omniglot's archives
 * included) on the glyph family's network and engines: the same fields (ways, net, filters), the
 * same defaults (the paper's α = 0.4, one inner step, 5-way 1-shot) and bounds.
 */
export const imageClassesSchema: FamilySchema = {
  name: 'imageclasses',
  label: 'your image classes',
  blurb:
    'Few-shot classification of your own image classes (a zip or folder of class folders; Omniglot works as is).',
  fields: glyphSchema.fields,
  defaults: glyphSchema.defaults,
  ...(glyphSchema.bounds ? { bounds: glyphSchema.bounds } : {}),
  ...(glyphSchema.restartRules ? { restartRules: glyphSchema.restartRules } : {}),
  ...(glyphSchema.refusedAlgos ? { refusedAlgos: glyphSchema.refusedAlgos } : {}),
};
