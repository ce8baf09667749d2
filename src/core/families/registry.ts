/**
 * The compute side of every task family, by name: one line per family. The schema side (fields,
 * defaults) is in ./schemas.ts, which the page reads without loading any compute.
 */
import type { TaskFamily } from './family';
import { glyphFamily } from './glyphs/family';
import { imageClassesFamily } from './imageclasses/family';
import { mixtureFamily } from './mixture/family';
import { nav2dFamily } from './nav2d/family';
import { sheetFamily } from './sheet/family';
import { sinusoidFamily } from './sinusoid/family';

const FAMILIES: Readonly<Record<string, TaskFamily>> = {
  sinusoid: sinusoidFamily,
  glyphs: glyphFamily,
  mixture: mixtureFamily,
  imageclasses: imageClassesFamily,
  nav2d: nav2dFamily,
  sheet: sheetFamily,
};

/** The family of a task name; every name the schema accepts has one (checked by a test). */
export function familyOf(task: string): TaskFamily {
  const family = FAMILIES[task];
  if (!family) throw new Error(`no task family is registered as "${task}"`);
  return family;
}

export function registeredFamilies(): string[] {
  return Object.keys(FAMILIES);
}

/**
 * The family whose fused meta-step times a device (both fused engines run it): where a family has
 * no fused engine, auto mode compares WebGPU with wasm on this workload (the paper's first one).
 */
export const PROBE_TASK: string = sinusoidFamily.schema.name;
