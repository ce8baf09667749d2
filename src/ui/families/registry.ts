/**
 * The page side of every task family, by name: one line per family (see core/families/registry.ts).
 * main.tsx hands this table to the page (installFamilies); nothing else imports a family.
 */
import type { UiFamily } from '../shell/family';
import { glyphsUi } from './glyphs';
import { imageClassesUi } from './imageclasses';
import { mixtureUi } from './mixture';
import { nav2dUi } from './nav2d';
import { sheetUi } from './sheet';
import { sinusoidUi } from './sinusoid';

export const UI_FAMILIES: Readonly<Record<string, UiFamily>> = {
  sinusoid: sinusoidUi,
  glyphs: glyphsUi,
  mixture: mixtureUi,
  sheet: sheetUi,
  nav2d: nav2dUi,
  imageclasses: imageClassesUi,
};

/** Families the page can show (every one the schema knows, checked by a test). */
export const PAGE_TASKS: readonly string[] = Object.keys(UI_FAMILIES);
