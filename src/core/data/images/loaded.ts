import type { ClassImageSet } from './importer';

/**
 * The imported image classes runs train on: the CLI sets them from --images, the page from its
 * import. One set at a time; a run keeps the set it started with.
 */
let loaded: ClassImageSet | null = null;

export function setLoadedImageClasses(set: ClassImageSet | null): void {
  loaded = set;
}

export function loadedImageClasses(): ClassImageSet | null {
  return loaded;
}
