import { decodeTheta, type SavedTheta } from '../thetaFile';
import type { Experiment } from '../schema';
import { familyOf } from './registry';

/** Read a θ file of any family, checking its sizes against the network its settings describe. */
export function decodeFamilyTheta(text: string): SavedTheta {
  return decodeTheta(
    text,
    (c) => familyOf(c.task).numParams(c),
    (c) => familyOf(c.task).pretrainedSize?.(c),
  );
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
