import { hashString, Rng } from '../../random';

/**
 * How paths become classes. Each class is a folder of images; one level of groups above it is
 * optional (Omniglot's alphabet/character/ layout). Folders every path shares (an archive's
 * top folder) are dropped first; the class is the folder an image sits in and its group the
 * folder above, when there is one. Hidden files and folders (".x", "__MACOSX") are not data.
 */
export interface ClassFolder {
  /** the class folder's path after the shared folders, e.g. "Greek/character03" */
  name: string;
  /** the folder above it, or null */
  group: string | null;
  /** indices of its files in the list given to `classFolders` */
  files: number[];
}

export function isHiddenPath(path: string): boolean {
  return path
    .split('/')
    .some((s) => s.startsWith('.') || s === '__MACOSX' || s === 'Thumbs.db' || s === 'desktop.ini');
}

function sharedFolders(paths: readonly string[][]): number {
  const first = paths[0] ?? [];
  let n = 0;
  while (paths.every((p) => p.length - 2 > n && p[n] === first[n])) n++;
  return n;
}

/** Classes of the given paths, in path order; files not inside any folder come back in `loose`. */
export function classFolders(paths: readonly string[]): { classes: ClassFolder[]; loose: number[] } {
  const parts = paths.map((p) => p.split('/').filter((s) => s !== ''));
  const drop = sharedFolders(parts);
  const byName = new Map<string, ClassFolder>();
  const loose: number[] = [];
  parts.forEach((segments, i) => {
    const rel = segments.slice(drop);
    if (rel.length < 2) {
      loose.push(i);
      return;
    }
    const name = rel.slice(0, -1).join('/');
    let folder = byName.get(name);
    if (!folder) {
      folder = { name, group: rel.length >= 3 ? rel.slice(0, -2).join('/') : null, files: [] };
      byName.set(name, folder);
    }
    folder.files.push(i);
  });
  const classes = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { classes, loose };
}

/** How classes were split into meta-training and held-out, said for the person who imported them. */
export type SplitProtocol = 'omniglot' | 'groups' | 'classes';

export interface ClassSplit {
  protocol: SplitProtocol;
  /** class indices of each side */
  train: number[];
  test: number[];
  /** quarter-turn rotations make extra classes (Omniglot's protocol) */
  rotations: boolean;
}

/** Omniglot's folders, by name: its archives are images_background/ and images_evaluation/. */
const OMNIGLOT_ROOTS = ['images_background', 'images_evaluation'];
/** The paper's split: 1,200 of Omniglot's 1,623 characters for meta-training, 423 held out. */
export const OMNIGLOT_TRAIN = 1200;
export const OMNIGLOT_CHARACTERS = 1623;
/** share of groups (or classes, without groups) held out in the hash split */
export const HELD_OUT_SHARE = 0.3;

export function isOmniglotLayout(paths: readonly string[]): boolean {
  return paths.length > 0 && paths.every((p) => p.split('/').some((s) => OMNIGLOT_ROOTS.includes(s)));
}

function byHash<T extends string>(names: readonly T[]): T[] {
  return [...names].sort((a, b) => hashString(`split:${a}`) - hashString(`split:${b}`) || (a < b ? -1 : 1));
}

/**
 * Omniglot (both archives, or either): every character pooled and shuffled with a fixed seed, the
 * first 1,200 (1,200/1,623 of them when fewer are given) to meta-training, the rest held out,
 * rotations on, as cbfinn/maml's data_generator.py does. Otherwise whole groups are held out, like
 * alphabets: groups ordered by a hash of their name, the first 30% (at least one, and never all)
 * held out; without groups the same rule splits classes.
 */
export function splitClasses(classes: readonly ClassFolder[], omniglot: boolean): ClassSplit {
  const all = classes.map((_, i) => i);
  if (omniglot) {
    const order = new Rng(1, 'omniglot-split').shuffle(all);
    const nTrain = Math.round((order.length * OMNIGLOT_TRAIN) / OMNIGLOT_CHARACTERS);
    const train = order.slice(0, Math.min(order.length - 1, Math.max(1, nTrain)));
    const test = order.slice(train.length);
    return {
      protocol: 'omniglot',
      train: train.sort((a, b) => a - b),
      test: test.sort((a, b) => a - b),
      rotations: true,
    };
  }
  const grouped = classes.every((c) => c.group !== null);
  const keyOf = (c: ClassFolder) => (grouped ? (c.group as string) : c.name);
  const keys = [...new Set(classes.map(keyOf))];
  const held =
    keys.length < 2 ? 0 : Math.min(keys.length - 1, Math.max(1, Math.round(HELD_OUT_SHARE * keys.length)));
  const heldOut = new Set(byHash(keys).slice(0, held));
  return {
    protocol: grouped ? 'groups' : 'classes',
    train: all.filter((i) => !heldOut.has(keyOf(classes[i] as ClassFolder))),
    test: all.filter((i) => heldOut.has(keyOf(classes[i] as ClassFolder))),
    rotations: false,
  };
}
