import * as tf from '@tensorflow/tfjs';
import type { AdamState, FusedState } from '../fused/fusedMlp';

/**
 * The fused WebGPU MLP engine's optimizer state in the WebAssembly engine's layout (`FusedState`):
 * the learned vectors (θ; Meta-SGD's α or MAML++'s rates; the pretrained θ) with their Adam
 * moments, which live on the device in one buffer: [m, v] of θ, of α, of the baseline (P each),
 * then MAML++'s rates' [m, v] (R each).
 */

/** A learned vector's place in the optimizer: its Adam step count and its [m, v] at `at` (n each). */
export interface Section {
  value: tf.Variable;
  steps: number;
  at: number;
  n: number;
}

export interface EngineVectors {
  theta: tf.Variable;
  alphaVec: tf.Variable | null;
  rates: tf.Variable | null;
  pretrainedTheta: tf.Variable | null;
}

/** Adam's step counts: θ (and α), the baseline, MAML++'s rates. */
export interface StepCounts {
  meta: number;
  pretrained: number;
  rates: number;
}

/** Each learned vector of an engine with θ of P parameters, in the moments buffer's order. */
export function sectionsOf(e: EngineVectors, steps: StepCounts, P: number): Section[] {
  const out: Section[] = [{ value: e.theta, steps: steps.meta, at: 0, n: P }];
  if (e.alphaVec) out.push({ value: e.alphaVec, steps: steps.meta, at: 2 * P, n: P });
  const pre = e.pretrainedTheta;
  if (pre) out.push({ value: pre, steps: steps.pretrained, at: out.length * 2 * P, n: P });
  const r = e.rates;
  if (r) out.push({ value: r, steps: steps.rates, at: out.length * 2 * P, n: r.size });
  return out;
}

/** Copies of the vectors and their Adam state, read back asynchronously. */
export async function readState(e: EngineVectors, parts: Section[], moments: tf.Tensor): Promise<FusedState> {
  const [m, ...values] = (await Promise.all([
    moments.data(),
    ...parts.map((p) => p.value.data()),
  ])) as Float32Array[];
  const read = (v: tf.Variable | null): [Float32Array, AdamState] | [null, null] => {
    const i = parts.findIndex((p) => p.value === v);
    const p = parts[i];
    if (!p) return [null, null];
    const adam = { t: p.steps, m: m!.slice(p.at, p.at + p.n), v: m!.slice(p.at + p.n, p.at + 2 * p.n) };
    return [Float32Array.from(values[i] as Float32Array), adam];
  };
  const [theta, thetaAdam] = read(e.theta) as [Float32Array, AdamState];
  const [alpha, alphaAdam] = read(e.alphaVec ?? e.rates);
  const [pretrained, pretrainedAdam] = read(e.pretrainedTheta);
  return { theta, thetaAdam, alpha, alphaAdam, pretrained, pretrainedAdam };
}

/**
 * Writes a state's vectors into the engine's variables and returns the moments buffer's contents
 * (`size` floats) and the step counts; throws with the reason on a missing or misfit vector.
 */
export function writeState(
  e: EngineVectors,
  parts: Section[],
  s: FusedState,
  size: number,
): { moments: Float32Array; steps: StepCounts } {
  const moments = new Float32Array(size);
  for (const p of parts) {
    const [value, adam, what] =
      p.value === e.theta
        ? [s.theta, s.thetaAdam, 'θ']
        : p.value === e.pretrainedTheta
          ? [s.pretrained, s.pretrainedAdam, 'pretrained θ']
          : [s.alpha, s.alphaAdam, e.rates ? 'MAML++ rates' : 'Meta-SGD α'];
    if (!value || !adam) throw new Error(`fused WebGPU engine: the state has no ${what} and its Adam`);
    if (value.length !== p.n || adam.m.length !== p.n || adam.v.length !== p.n)
      throw new Error(`fused WebGPU engine: the state's ${what} is not ${p.n} numbers`);
    tf.tidy(() => p.value.assign(tf.tensor1d(value)));
    moments.set(adam.m, p.at);
    moments.set(adam.v, p.at + p.n);
  }
  const steps = { meta: s.thetaAdam.t, pretrained: s.pretrainedAdam?.t ?? 0, rates: s.alphaAdam?.t ?? 0 };
  return { moments, steps };
}
