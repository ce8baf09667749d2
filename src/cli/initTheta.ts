/**
 * `npm run train -- --init`: the θ a new run starts from, from a θ file (`--save-theta`) or the
 * glyph lab's θ file (its **Download θ**), with the learned rates the run's algorithm keeps.
 */
import { readFileSync } from 'node:fs';
import { serializeExperiment, type Experiment } from '../core/experiment';
import { familyOf } from '../core/families/registry';
import { decodeAnyTheta, type ReadTheta } from '../core/families/savedTheta';
import { UsageError } from './args';

/** A saved θ, with MAML++'s rates where the file carries them. */
export type InitTheta = ReadTheta;

/**
 * The --init θ file, which must be of the config's network; a family that fits θ across
 * algorithms (the glyph nets with or without MAML++'s batch-norm sets) takes another algorithm's θ.
 */
export function readInitTheta(path: string, config: Experiment, pretrainedOnly: boolean): InitTheta {
  const saved = decodeAnyTheta(readFileSync(path, 'utf8'));
  const family = familyOf(config.task);
  const fitted =
    family.fitTheta !== undefined && family.sameNetwork(saved.config, { ...config, algo: saved.config.algo });
  if (!family.sameNetwork(saved.config, config) && !fitted)
    throw new UsageError(
      `--init θ was trained for ${serializeExperiment(saved.config)}: a different network`,
    );
  const layout = family.numParams(saved.config) !== family.numParams(config);
  process.stderr.write(
    `starting from θ in ${path} (meta-step ${saved.step} of ${serializeExperiment(saved.config)})` +
      `${saved.pretrained ? `, pretrained baseline from its ${saved.pretrained.step} steps` : ''}` +
      `${layout ? `; θ fitted to algo=${config.algo} (${saved.config.algo === 'mamlpp' ? "the network's own part, without MAML++'s batch-norm sets" : "MAML++'s batch-norm sets copied from the network's"})` : ''}` +
      `${initRates(config, saved) ? ", with MAML++'s learned rates" : ''}\n`,
  );
  if (pretrainedOnly && saved.pretrained) {
    throw new UsageError(`${path} already carries a pretrained baseline`);
  }
  return saved;
}

/** MAML++'s learned rates a run of `config` starts from (createRun's `alpha`), where the file has them. */
export function initRates(config: Experiment, saved: InitTheta | undefined): Float32Array | undefined {
  return config.algo === 'mamlpp' && saved?.config.algo === 'mamlpp' ? (saved.rates ?? undefined) : undefined;
}
