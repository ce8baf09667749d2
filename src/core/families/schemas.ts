/**
 * The task families the schema knows, in menu and share-link order: one line per family. Pure
 * data (no compute), so the page parses links without loading any family's maths; the compute
 * side of each family is registered in ./registry.ts under the same name.
 */
import type { FamilySchema } from '../schema';
import { glyphSchema } from './glyphs/schema';
import { imageClassesSchema } from './imageclasses/schema';
import { mixtureSchema } from './mixture/schema';
import { nav2dSchema } from './nav2d/schema';
import { sheetSchema } from './sheet/schema';
import { sinusoidSchema } from './sinusoid/schema';

export const FAMILY_SCHEMAS: readonly FamilySchema[] = [
  sinusoidSchema,
  glyphSchema,
  mixtureSchema,
  imageClassesSchema,
  nav2dSchema,
  sheetSchema,
];

/** The family a config without a task belongs to (the paper's first experiment). */
export const DEFAULT_TASK: string = sinusoidSchema.name;
