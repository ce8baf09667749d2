/**
 * The families the page shows, handed to it once as it starts (main.tsx passes the registry): the
 * shell and every shared view look a family up here by the config's `task` and never import one.
 * Installing merges each family's store slice into the page's store (a slice shared by several
 * families, once).
 */
import type { LinkRules, UiFamily } from './family';
import { useStore } from './store';

let families: Readonly<Record<string, UiFamily>> | null = null;

export function installFamilies(table: Readonly<Record<string, UiFamily>>): void {
  families = table;
  const slices = new Set(Object.values(table).map((f) => f.slice));
  for (const slice of slices) useStore.setState(slice());
}

function table(): Readonly<Record<string, UiFamily>> {
  if (!families) throw new Error('the page has no task families: call installFamilies first');
  return families;
}

/** The page side of a task family. */
export function familyOf(task: string): UiFamily {
  const f = table()[task];
  if (!f) throw new Error(`the page has no views for "${task}" tasks`);
  return f;
}

/** Families the page can show. */
export function pageTasks(): readonly string[] {
  return Object.keys(table());
}

/** What reading a link checks, per family. */
export function linkRules(): Readonly<Record<string, LinkRules>> {
  return Object.fromEntries(Object.entries(table()).map(([task, f]) => [task, f.link]));
}
