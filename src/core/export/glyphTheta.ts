/**
 * The glyph lab's θ download: one self-describing JSON file with the network's layer sequence, the
 * tensors of the flat θ in order (names, shapes, offsets) and θ itself as base64 of little-endian
 * float32. The glyph nets normalise with the statistics of the batch they are given (as MAML
 * trains them), which a stock layers model cannot express, so instead of a `model.json` the file
 * says which tfjs ops rebuild the forward pass; README.md ("The glyph lab's θ file") has the
 * snippet that runs it, and test/glyphThetaFile.test.ts runs that snippet against the page's model.
 * A MAML++ run's file also lists its per-step batch-norm sets as tensors `set<s>.<name>` after the
 * network's own, and carries its LSLR rates in `adaptation.rates` (version 1 still: a reader that
 * knows neither runs the network's own tensors as before).
 *
 * One file rather than JSON + .bin: one download (no "allow multiple downloads" prompt), nothing
 * to keep side by side, and the encoding of the run files and the shipped θ (src/core/runs/base64.ts);
 * base64 costs a third more bytes (about 150 KB for the default 4 × 32 conv net). No tfjs here:
 * the page builds the file without loading tfjs.
 */
import { parseExperiment, serializeExperiment, type Experiment } from '../experiment';
import {
  BATCH_NORM_EPSILON,
  CONV_DEFAULTS,
  CONV_STRIDE,
  convNetSpecs,
  FC_DEFAULTS,
  fcSpecs,
  type ParamSpec,
} from '../models/glyphNets';
import { LSLR_STEPS } from '../meta/mamlppSchedule';
import { base64ToFloat32, float32ToBase64 } from '../runs/base64';
import type { SavedTheta } from '../thetaFile';
import { checkSets, glyphThetaLayout, readRates, type GlyphRates } from './glyphThetaSets';

export const GLYPH_THETA_FORMAT = 'maml-playground-glyph-theta';
export const GLYPH_THETA_VERSION = 1;

/** One step of the forward pass; parameters are named after `tensors`. */
export type GlyphLayer =
  | { op: 'conv2d'; filter: string; stride: number; padding: 'same'; output: (number | null)[] }
  | { op: 'batchNorm'; gamma: string; beta: string; axes: number[]; epsilon: number }
  | { op: 'relu' }
  | { op: 'flatten'; output: (number | null)[] }
  | { op: 'mean'; axes: number[]; output: (number | null)[] }
  | { op: 'dense'; weight: string; bias?: string; output: (number | null)[] };

export interface GlyphTensor extends ParamSpec {
  /** where it starts in the flat θ, and how many numbers it has */
  offset: number;
  size: number;
}

export interface GlyphThetaFile {
  format: typeof GLYPH_THETA_FORMAT;
  version: typeof GLYPH_THETA_VERSION;
  generatedBy: string;
  /** the page's settings (a share link's query) and the meta-step θ comes from */
  experiment: string;
  step: number;
  network: {
    net: 'conv' | 'fc';
    ways: number;
    input: { shape: (number | null)[]; layout: string; values: string };
    batchNorm: { epsilon: number; statistics: string };
    layers: GlyphLayer[];
    /** batch-norm sets: 1, or MAML++'s one per inner step and one after the last (absent in older files: 1) */
    normSets?: number;
  };
  /**
   * how meta-training adapted θ to a task: SGD steps of softmax cross-entropy on its support images,
   * with Meta-SGD's per-parameter rates or MAML++'s per-step, per-tensor rates where it learned them
   */
  adaptation: {
    steps: number;
    learningRate: number;
    learningRates: string | null;
    rates?: GlyphRates | null;
  };
  tensors: GlyphTensor[];
  size: number;
  dtype: 'float32';
  byteOrder: 'little-endian';
  encoding: 'base64';
  theta: string;
}

const IMAGE = CONV_DEFAULTS.imageSize;
const STATISTICS =
  'the batch’s own: per channel, the mean and the biased variance over every image passed in together (and, after a convolution, every position); no running averages';

/** The glyph net of a config (the page's classifierFor): its layer sequence and parameter list. */
export function glyphNetwork(config: Experiment): { layers: GlyphLayer[]; specs: ParamSpec[] } {
  const ways = config.ways;
  const layers: GlyphLayer[] = [];
  const norm = (l: number, axes: number[]) => {
    layers.push(
      { op: 'batchNorm', gamma: `bn${l}.gamma`, beta: `bn${l}.beta`, axes, epsilon: BATCH_NORM_EPSILON },
      { op: 'relu' },
    );
  };
  if (config.net === 'conv') {
    const c = { ...CONV_DEFAULTS, ways, filters: config.filters };
    let size: number = c.imageSize;
    for (let l = 0; l < c.blocks; l++) {
      size = Math.ceil(size / CONV_STRIDE);
      const output = [null, size, size, c.filters];
      layers.push({ op: 'conv2d', filter: `conv${l}.w`, stride: CONV_STRIDE, padding: 'same', output });
      norm(l, [0, 1, 2]);
    }
    layers.push({ op: 'mean', axes: [1, 2], output: [null, c.filters] });
    layers.push({ op: 'dense', weight: 'head.w', bias: 'head.b', output: [null, ways] });
    return { layers, specs: convNetSpecs(c) };
  }
  const c = { ...FC_DEFAULTS, ways };
  layers.push({ op: 'flatten', output: [null, c.inputSize] });
  c.hidden.forEach((out, l) => {
    layers.push({ op: 'dense', weight: `fc${l}.w`, output: [null, out] });
    norm(l, [0]);
  });
  layers.push({ op: 'dense', weight: 'head.w', bias: 'head.b', output: [null, ways] });
  return { layers, specs: fcSpecs(c) };
}

function tensorList(specs: readonly ParamSpec[]): GlyphTensor[] {
  let offset = 0;
  return specs.map((s) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const t = { name: s.name, shape: [...s.shape], offset, size };
    offset += size;
    return t;
  });
}

/**
 * The file for θ of a glyph run at `step` (Meta-SGD's per-parameter inner rates `alpha`, or
 * MAML++'s LSLR rates `rates` [LSLR_STEPS × tensors], when there are any).
 */
export function glyphThetaFile(
  config: Experiment,
  step: number,
  theta: Float32Array,
  alpha: Float32Array | null = null,
  rates: Float32Array | null = null,
): GlyphThetaFile {
  const { layers, specs: net } = glyphNetwork(config);
  const { specs, sets, rateColumns } = glyphThetaLayout(net, config.algo === 'mamlpp');
  const tensors = tensorList(specs);
  const last = tensors[tensors.length - 1] as GlyphTensor;
  const size = last.offset + last.size;
  if (theta.length !== size) throw new Error(`θ has ${theta.length} numbers; this glyph net has ${size}`);
  if (alpha && alpha.length !== size) throw new Error(`α has ${alpha.length} numbers; θ has ${size}`);
  const shape: [number, number] = [LSLR_STEPS, rateColumns?.length ?? 0];
  if (rates && (!rateColumns || rates.length !== shape[0] * shape[1]))
    throw new Error(`MAML++'s rates have ${rates.length} numbers; this glyph net has ${shape[0] * shape[1]}`);
  return {
    format: GLYPH_THETA_FORMAT,
    version: GLYPH_THETA_VERSION,
    generatedBy: 'MAML Playground',
    experiment: serializeExperiment(config),
    step,
    network: {
      net: config.net,
      ways: config.ways,
      input: {
        shape: [null, IMAGE, IMAGE, CONV_DEFAULTS.channels],
        layout: 'NHWC: images, rows, columns, channels',
        values: 'grey levels in [0, 1], 1 = ink',
      },
      batchNorm: { epsilon: BATCH_NORM_EPSILON, statistics: STATISTICS },
      layers,
      normSets: sets,
    },
    adaptation: {
      steps: config.inner,
      learningRate: config.alpha,
      learningRates: alpha ? float32ToBase64(alpha) : null,
      rates: rates && rateColumns ? { shape, columns: rateColumns, values: float32ToBase64(rates) } : null,
    },
    tensors,
    size,
    dtype: 'float32',
    byteOrder: 'little-endian',
    encoding: 'base64',
    theta: float32ToBase64(theta),
  };
}

/** A read glyph θ file: θ, and MAML++'s rates where the file carries them. */
export interface ReadGlyphTheta {
  file: GlyphThetaFile;
  theta: Float32Array;
  rates: Float32Array | null;
}

/**
 * Parse and check a glyph θ file (it may come from anywhere): its format and version, a tensor
 * list that tiles θ exactly and is its experiment's network (MAML++'s batch-norm sets included),
 * θ's length and MAML++'s rates' shape; throws a message saying what is wrong.
 */
export function readGlyphThetaFile(text: string): ReadGlyphTheta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error('This is not a JSON file');
  }
  const file = raw as GlyphThetaFile;
  if (raw === null || typeof raw !== 'object' || file.format !== GLYPH_THETA_FORMAT) {
    throw new Error('This is not a MAML Playground glyph θ file');
  }
  if (file.version !== GLYPH_THETA_VERSION) {
    throw new Error(
      `This glyph θ file has version ${String(file.version)}; this page reads version ${GLYPH_THETA_VERSION}`,
    );
  }
  if (!Array.isArray(file.tensors) || typeof file.theta !== 'string' || !Number.isInteger(file.size)) {
    throw new Error('This glyph θ file is missing its tensor list, size or θ');
  }
  let offset = 0;
  for (const t of file.tensors) {
    const size = Array.isArray(t.shape) ? t.shape.reduce((a, b) => a * b, 1) : NaN;
    if (t.offset !== offset || t.size !== size) {
      throw new Error(`This glyph θ file's tensor ${String(t.name)} does not follow the one before it`);
    }
    offset += size;
  }
  if (offset !== file.size) {
    throw new Error(`This glyph θ file's tensors hold ${offset} numbers but its size says ${file.size}`);
  }
  const theta = base64ToFloat32(file.theta, 'This glyph θ file’s θ');
  if (theta.length !== file.size) {
    throw new Error(`This glyph θ file's θ has ${theta.length} numbers; its tensors need ${file.size}`);
  }
  if (!theta.every(Number.isFinite)) throw new Error('This glyph θ file’s θ has non-finite numbers');
  if (typeof file.experiment !== 'string') throw new Error('This glyph θ file is missing its experiment');
  const { config } = parseExperiment(file.experiment);
  const layout = glyphThetaLayout(glyphNetwork(config).specs, config.algo === 'mamlpp');
  checkSets(
    file.tensors,
    (file.network as Partial<GlyphThetaFile['network']> | undefined)?.normSets,
    layout,
    config.algo,
  );
  return {
    file,
    theta,
    rates: readRates((file.adaptation as Partial<GlyphThetaFile['adaptation']> | undefined)?.rates, layout),
  };
}

/** A glyph θ file read as a saved θ (src/core/thetaFile.ts), with MAML++'s rates beside it. */
export interface GlyphSavedTheta extends SavedTheta {
  rates: Float32Array | null;
}

/**
 * A glyph θ file as what `--init` starts from: its experiment, step and θ (MAML++'s batch-norm sets
 * included), Meta-SGD's per-parameter rates and MAML++'s rates; checked as readGlyphThetaFile does.
 */
export function glyphThetaSaved(text: string): GlyphSavedTheta {
  const { file, theta, rates } = readGlyphThetaFile(text);
  const rateText = file.adaptation.learningRates;
  const alpha = typeof rateText === 'string' ? base64ToFloat32(rateText, 'This glyph θ file’s rates') : null;
  if (alpha && (alpha.length !== theta.length || !alpha.every(Number.isFinite))) {
    throw new Error(`This glyph θ file's rates are not ${theta.length} finite numbers`);
  }
  const step = Number.isInteger(file.step) && file.step >= 0 ? file.step : 0;
  return { config: parseExperiment(file.experiment).config, step, theta, alpha, rates };
}

/** Whether a text is a glyph θ file (by its format), before reading it. */
export function isGlyphThetaText(text: string): boolean {
  try {
    const raw = JSON.parse(text) as unknown;
    return (
      raw !== null && typeof raw === 'object' && (raw as { format?: unknown }).format === GLYPH_THETA_FORMAT
    );
  } catch {
    return false;
  }
}
