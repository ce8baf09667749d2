import type { Classifier } from '../../models/classifier';
import { ConvNet } from '../../models/convnet';
import { FcClassifier } from '../../models/fcClassifier';
import type { Experiment } from '../../schema';
import { decodeTheta, type SavedTheta } from '../../thetaFile';
import type { TaskFamily } from '../family';
import { GlyphRun, glyphStateSizes } from './run';
import { glyphSchema } from './schema';
import { loadFusedGlyph } from '../../engines/fusedGlyph/wasmModule';
import { fitTheta, metaClassifierFor, normSetsChange } from './metaNet';

export function classifierFor(config: Experiment, ways = config.ways): Classifier {
  return config.net === 'fc' ? new FcClassifier({ ways }) : new ConvNet({ ways, filters: config.filters });
}

/** Read a glyph θ file (θ, and the pretrained baseline's body when the file carries one). */
export function decodeGlyphTheta(text: string): SavedTheta {
  return decodeTheta(
    text,
    (c) => metaClassifierFor(c).numParams,
    (c) => classifierFor(c).headOffset,
  );
}

/**
 * Few-shot classification of generated glyphs (Omniglot-style), scored by query accuracy; the
 * pretrained baseline is a C-way classifier whose feature body θ files carry.
 */
export const glyphFamily: TaskFamily = {
  schema: glyphSchema,
  metric: {
    name: 'accuracy',
    unit: '%',
    direction: 'higher',
    format: (v: number) => `${(100 * v).toFixed(1)}%`,
  },
  evalDefaults: { tasks: 200, steps: 5 },
  loadFusedEngine: loadFusedGlyph,
  // (on WebGPU the fused meta-step runs as WGSL programs: engines/webgpuGlyph, glyphs/gpu.ts)
  fusedOnWebgpu: true,
  fusedThreads: true,
  createRun: (config, start) => new GlyphRun(config, start),
  numParams: (config) => metaClassifierFor(config).numParams,
  fitTheta: (config, theta) => fitTheta(metaClassifierFor(config), theta),
  stateSizes: (config) => glyphStateSizes(config),
  pretrainedSize: (config) => classifierFor(config).headOffset,
  sameNetwork: (a, b) =>
    a.task === b.task &&
    a.ways === b.ways &&
    a.net === b.net &&
    a.filters === b.filters &&
    !normSetsChange(a, b),
};
