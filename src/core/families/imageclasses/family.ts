import { filesOfZip, importImageClasses, type ClassImageSet } from '../../data/images/importer';
import { loadedImageClasses, setLoadedImageClasses } from '../../data/images/loaded';
import { describeClasses, splitCounts, tooFewClassesLine } from '../../data/images/summary';
import { isClassImageSet } from '../../data/images/handOver';
import { isClassSetPort, receiveClassSet } from '../../data/images/portHandOver';
import { ImportError } from '../../data/images/limits';
import type { Experiment } from '../../schema';
import type { TaskFamily } from '../family';
import { glyphFamily } from '../glyphs/family';
import { GlyphSource, type ClassSource } from '../glyphs/data/source';
import { GlyphRun, glyphStateSizes } from '../glyphs/run';
import { imageClassesSchema } from './schema';
import { ImageSource } from './source';

/** whether runs without imported classes train on the generated glyphs (the page) or refuse (the CLI) */
let exampleAllowed = false;

/**
 * Runs created without imported classes train on the generated glyph classes as an example, as
 * the table family trains on its example table; the page's worker asks for this, the CLI never
 * does (there a run without --images refuses with a line).
 */
export function trainOnExampleClasses(): void {
  exampleAllowed = true;
}

/** The imported classes a run trains on; the example, or a clear line when none are loaded. */
export function loadedSource(): ClassSource {
  const set = loadedImageClasses();
  if (set) return new ImageSource(set);
  if (exampleAllowed) return new GlyphSource();
  throw new ImportError(
    'no image classes are loaded: the CLI takes them with --images <folder or .zip>, the page with its "Import images" panel',
  );
}

/**
 * Whether a set can fill the config's tasks on both sides of its split (N classes with K + query
 * images each); throws an ImportError that says why not.
 */
export function checkClassesTrainable(set: ClassImageSet, config: Experiment): void {
  const why = tooFewClassesLine(splitCounts(set), config.ways, config.k + config.query);
  if (why) throw new ImportError(why);
}

/** A zip of class folders: imported, checked against the config, kept for the runs to come. */
async function loadTaskFile(
  bytes: Uint8Array,
  config: Experiment,
): Promise<{ hash: string; lines: string[] }> {
  const set = await importImageClasses(filesOfZip(bytes));
  checkClassesTrainable(set, config);
  setLoadedImageClasses(set);
  return { hash: set.hash, lines: describeClasses(set) };
}

/**
 * Classes the page's import worker decoded, handed over (the set itself, or a port it arrives on
 * from that worker): checked like an archive's, kept.
 */
async function adoptTaskData(given: unknown, config: Experiment): Promise<{ hash: string; lines: string[] }> {
  const read = isClassSetPort(given) ? await receiveClassSet(given) : given;
  if (!isClassImageSet(read)) throw new ImportError('the decoded classes handed over are not whole');
  checkClassesTrainable(read, config);
  setLoadedImageClasses(read);
  return { hash: read.hash, lines: describeClasses(read) };
}

/**
 * The user's image classes: everything but the data is the glyph family's (network, fused
 * engines, pretrained baseline, evaluation), so numbers compare with the glyph runs'.
 */
export const imageClassesFamily: TaskFamily = {
  ...glyphFamily,
  schema: imageClassesSchema,
  loadTaskFile,
  adoptTaskData,
  createRun: (config, start) => new GlyphRun(config, start, loadedSource(), imageClassesFamily),
  stateSizes: (config) => glyphStateSizes(config, loadedSource()),
};
