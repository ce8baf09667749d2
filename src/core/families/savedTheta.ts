import { glyphThetaSaved, isGlyphThetaText } from '../export/glyphTheta';
import { decodeTheta, type SavedTheta } from '../thetaFile';
import { familySchema, serializeExperiment, type Experiment } from '../experiment';
import { familyOf } from './registry';

/** A θ file read: θ (Meta-SGD's α, a pretrained body where it has them) and MAML++'s rates. */
export type ReadTheta = SavedTheta & { rates?: Float32Array | null };

/** Read a θ file of any family, checking its sizes against the network its settings describe. */
export function decodeFamilyTheta(text: string): SavedTheta {
  return decodeTheta(
    text,
    (c) => familyOf(c.task).numParams(c),
    (c) => familyOf(c.task).pretrainedSize?.(c),
  );
}

/**
 * Read a θ file of either format: the playground's θ file (`--save-theta`) or the glyph network's
 * θ file (the glyph lab's Download θ and the CLI's, with MAML++'s batch-norm sets and rates), each
 * checked against the network its settings describe; `tasks`, where given, are the families this
 * reader opens. Throws one line saying what is wrong (the file may come from anywhere).
 */
export function decodeAnyTheta(text: string, tasks?: readonly string[]): ReadTheta {
  const saved: ReadTheta = isGlyphThetaText(text) ? glyphThetaSaved(text) : decodeFamilyTheta(text);
  const task = saved.config.task;
  if (tasks && !tasks.includes(task)) {
    const label = (t: string) => familySchema(t).label;
    throw new Error(
      `This θ file is of a ${label(task)} run; here only ${tasks.map(label).join(' or ')} θ opens`,
    );
  }
  const want = familyOf(task).numParams(saved.config);
  if (saved.theta.length !== want) {
    throw new Error(
      `This θ file's θ has ${saved.theta.length} numbers; the network of ${serializeExperiment(saved.config)} has ${want}`,
    );
  }
  return saved;
}

/**
 * The settings a loaded θ continues under: the page's own (seed, meta-batch, K, β) with what the
 * file fixes: the family, the network's shape and the inner loop θ was meta-trained for. Meta-SGD
 * without its learned rates continues as MAML.
 */
export function adoptSavedConfig(page: Experiment, saved: SavedTheta): Experiment {
  const s = saved.config;
  const base = page.task === s.task ? page : s;
  return {
    ...base,
    task: s.task,
    hidden: [...s.hidden],
    ways: s.ways,
    net: s.net,
    filters: s.filters,
    ...(s.mix ? { mix: [...s.mix] } : {}),
    alpha: s.alpha,
    inner: s.inner,
    algo: s.algo === 'metasgd' && !saved.alpha ? 'maml' : s.algo,
  };
}
