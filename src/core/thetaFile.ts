import { isGlyphThetaText } from './export/glyphTheta';
import { base64ToFloat32, float32ToBase64 } from './runs/base64';
import { parseExperiment, serializeExperiment, type Experiment } from './experiment';

/**
 * A saved meta-trained θ: the experiment it came from, the step, θ (and Meta-SGD's α) as
 * little-endian float32 in base64, and optionally the feature body of the pretrained baseline
 * trained beside it (so a page that loads θ compares it with a trained baseline, not an untrained
 * one). Written by `npm run train -- --save-theta`, read by the page and the tests; reading
 * validates everything (it may come from anywhere).
 */
export interface SavedTheta {
  config: Experiment;
  step: number;
  theta: Float32Array;
  alpha: Float32Array | null;
  /** the pretrained classifier's body θ[0, headOffset) and its training steps */
  pretrained?: { body: Float32Array; step: number } | null;
}

/** The format field of a θ file. */
export const THETA_FORMAT = 'maml-playground-theta/1';

/** A float32 vector of `expected` finite numbers from base64, or an error naming `what`. */
function fromBase64(s: string, expected: number, what = 'θ'): Float32Array {
  const out = base64ToFloat32(s, what);
  if (out.length !== expected) throw new Error(`${what}: expected ${expected} numbers, found ${out.length}`);
  if (!out.every(Number.isFinite)) throw new Error(`${what} contains non-finite numbers`);
  return out;
}

export function encodeTheta(saved: SavedTheta): string {
  return `${JSON.stringify({
    format: THETA_FORMAT,
    query: serializeExperiment(saved.config),
    step: saved.step,
    size: saved.theta.length,
    theta: float32ToBase64(saved.theta),
    alpha: saved.alpha ? float32ToBase64(saved.alpha) : null,
    ...(saved.pretrained
      ? { pretrained: float32ToBase64(saved.pretrained.body), pretrainedStep: saved.pretrained.step }
      : {}),
  })}\n`;
}

const stepOf = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0);

/**
 * Parse and validate a saved θ; `expectedSize` is the parameter count of the config's model and
 * `pretrainedBodySize` the length of a pretrained body (without it, a body in the file is ignored).
 */
export function decodeTheta(
  text: string,
  expectedSize: (config: Experiment) => number,
  pretrainedBodySize?: (config: Experiment) => number | undefined,
): SavedTheta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error('not a JSON file');
  }
  const r = raw as Record<string, unknown>;
  if (r === null || typeof r !== 'object' || r.format !== THETA_FORMAT) {
    throw new Error('not a MAML Playground θ file');
  }
  if (typeof r.query !== 'string' || typeof r.theta !== 'string') throw new Error('θ file is missing fields');
  const { config, warnings } = parseExperiment(r.query);
  if (warnings.length > 0) throw new Error(`θ file has an invalid config: ${warnings[0]?.message}`);
  const size = expectedSize(config);
  const bodySize = pretrainedBodySize?.(config);
  const pretrained =
    bodySize !== undefined && typeof r.pretrained === 'string'
      ? {
          body: fromBase64(r.pretrained, bodySize, 'the pretrained body'),
          step: stepOf(r.pretrainedStep),
        }
      : null;
  return {
    config,
    step: stepOf(r.step),
    theta: fromBase64(r.theta, size),
    alpha: typeof r.alpha === 'string' ? fromBase64(r.alpha, size) : null,
    pretrained,
  };
}

/** Whether a text is a θ file of either format (this one, or the glyph θ file), by its format field. */
export function isThetaFileText(text: string): boolean {
  if (isGlyphThetaText(text)) return true;
  try {
    const raw = JSON.parse(text) as unknown;
    return raw !== null && typeof raw === 'object' && (raw as { format?: unknown }).format === THETA_FORMAT;
  } catch {
    return false;
  }
}
