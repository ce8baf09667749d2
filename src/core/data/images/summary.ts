import type { ClassImageSet } from './importer';

/** What an import read, in a few lines (the CLI's stderr, the page's import panel, the worker's notice). */
export function describeClasses(set: ClassImageSet): string[] {
  const s = set.split;
  const lines = [
    `imported ${set.classes.length} classes, ${set.images} images (sha256 ${set.hash})`,
    `split (${s.protocol}): ${s.train.length} classes for meta-training, ${s.test.length} held out` +
      (s.rotations ? '; 90° rotations make each class four' : ''),
  ];
  if (set.skippedCount > 0) {
    lines.push(`skipped ${set.skippedCount} files:`, ...set.skipped.map((l) => `  ${l}`));
    if (set.skippedCount > set.skipped.length)
      lines.push(`  ... and ${set.skippedCount - set.skipped.length} more`);
  }
  return lines;
}

/** One group of classes on one side of the split: its name (null: classes without groups) and size. */
export interface GroupCount {
  group: string | null;
  classes: number;
  images: number;
}

/** The groups of each side of the split with their class and image counts, in name order. */
export function splitGroups(set: ClassImageSet): { train: GroupCount[]; test: GroupCount[] } {
  const side = (indices: readonly number[]): GroupCount[] => {
    const byGroup = new Map<string | null, GroupCount>();
    for (const i of indices) {
      const c = set.classes[i];
      if (!c) continue;
      const g = byGroup.get(c.group) ?? { group: c.group, classes: 0, images: 0 };
      g.classes += 1;
      g.images += c.count;
      byGroup.set(c.group, g);
    }
    return [...byGroup.values()].sort((a, b) => ((a.group ?? '') < (b.group ?? '') ? -1 : 1));
  };
  return { train: side(set.split.train), test: side(set.split.test) };
}

/** The image counts of each side's classes: what a page needs to check a config against the data. */
export interface SplitCounts {
  train: number[];
  test: number[];
}

export function splitCounts(set: ClassImageSet): SplitCounts {
  const counts = (side: readonly number[]) => side.map((i) => set.classes[i]?.count ?? 0);
  return { train: counts(set.split.train), test: counts(set.split.test) };
}

/**
 * Why N-way tasks with `perClass` images a class (K + query) cannot be drawn from both sides of
 * the split, in one line; null when they can.
 */
export function tooFewClassesLine(counts: SplitCounts, ways: number, perClass: number): string | null {
  for (const side of ['train', 'test'] as const) {
    const usable = counts[side].filter((n) => n >= perClass).length;
    if (usable < ways) {
      const which = side === 'train' ? 'meta-training' : 'held-out';
      return `${ways}-way needs ${ways} ${which} classes with ${perClass} images each (K + query); ${usable} of ${counts[side].length} have that many`;
    }
  }
  return null;
}
