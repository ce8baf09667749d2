import { defaultsFor, type Experiment } from '../../experiment';
import { glyphSchema } from './schema';

/** The glyph family's default experiment (its schema's defaults over the shared ones). */
export const GLYPH_DEFAULTS: Readonly<Experiment> = Object.freeze(defaultsFor(glyphSchema.name));
