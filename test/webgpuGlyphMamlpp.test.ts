import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type WasmGlyphSettings } from '../src/core/engines/fusedGlyph/fusedGlyph';
import { rateTensorSizes, ratesLength, thetaLayout } from '../src/core/engines/fusedGlyph/mamlpp';
import { geometry } from '../src/core/engines/webgpuGlyph/layout';
import {
  advanceSource,
  advanceTarget,
  advanceWgsl,
  glyphRateAccessor,
  glyphRateTensors,
  glyphRatesLength,
  mamlppParams,
} from '../src/core/engines/webgpuGlyph/mamlppGlyph';
import { StepNormClassifier } from '../src/core/families/glyphs/stepNorm';
import { LSLR_STEPS } from '../src/core/meta/mamlppSchedule';
import { Rng } from '../src/core/random';
import { modelFor, settings } from './fusedGlyphReference';
import { startBackend } from './helpers';

/**
 * MAML++'s layout pieces of the WGSL glyph engine against the WebAssembly engine's (θ's length with
 * the sets, the rate tensors) and against StepNormClassifier (the tfjs reference): advance() of the
 * sets as an index map, its inverse, and the WGSL that `advanceWgsl` and `glyphRateAccessor` write,
 * run as JavaScript (the functions use only integer arithmetic, comparisons and select).
 */

const CASES: [string, Partial<WasmGlyphSettings>][] = [
  ['conv, batch norm', { filters: 6, blocks: 3 }],
  ['conv, bias', { filters: 5, blocks: 2, batchNorm: false }],
  ['fc, batch norm, odd widths', { net: 'fc', hidden: [30, 17, 6] }],
];

const wasmSettings = (over: Partial<WasmGlyphSettings>): WasmGlyphSettings => ({
  ...settings(),
  ...over,
  algo: 'mamlpp',
});

/** The WGSL of these generators as JavaScript: u32 literals, integer division, select, f32/u32 types. */
function wgslToJs(wgsl: string): string {
  return wgsl
    .replace(/fn (\w+)\(([^)]*)\) -> \w+ \{/g, (_, name: string, params: string) => {
      const names = params.split(',').map((p) => p.split(':')[0]!.trim());
      return `function ${name}(${names.join(', ')}) {`;
    })
    .replace(/\(([^()]+)\) \/ (\d+)u/g, 'Math.floor(($1) / $2)')
    .replace(/0xffffffffu/g, '0xffffffff')
    .replace(/(\d+)u\b/g, '$1');
}

function wgslFunctions(
  wgsl: string,
  names: string[],
  scope = '',
): Record<string, (...a: number[]) => number> {
  const select = (f: number, t: number, c: boolean) => (c ? t : f);
  const body = `${scope}\n${wgslToJs(wgsl)}\nreturn { ${names.join(', ')} };`;
  return new Function('select', body)(select) as Record<string, (...a: number[]) => number>;
}

beforeAll(async () => {
  await startBackend('cpu');
});

describe('the WGSL glyph engine’s MAML++ layout', () => {
  for (const [name, over] of CASES) {
    const s = wasmSettings(over);
    const geo = geometry(s);
    const PT = mamlppParams(geo);

    it(`${name}: θ with its sets and the rate tensors as the WebAssembly engine has them`, () => {
      expect(PT).toBe(thetaLayout(s).size);
      const tensors = glyphRateTensors(geo);
      expect(tensors.map((t) => t.n)).toEqual(rateTensorSizes(s));
      expect(glyphRatesLength(geo)).toBe(ratesLength(s));
      let at = 0;
      for (const t of tensors) {
        expect(t.at).toBe(at);
        at += t.n;
      }
      expect(at).toBe(PT);
    });

    it(`${name}: advance is StepNormClassifier's, its target the inverse, the WGSL the same maps`, () => {
      const { kSetSource, kSetTarget } = wgslFunctions(advanceWgsl(geo), ['kSetSource', 'kSetTarget']);
      const source = Array.from({ length: PT }, (_, j) => advanceSource(geo, j));
      expect(new Set(source).size).toBe(PT);
      for (let i = 0; i < PT; i++) {
        expect(source[advanceTarget(geo, i)]).toBe(i);
        expect(kSetSource!(i)).toBe(source[i]);
        expect(kSetTarget!(i)).toBe(advanceTarget(geo, i));
      }
      if (!s.batchNorm) {
        expect(source.every((j, i) => j === i)).toBe(true);
        return;
      }
      const model = new StepNormClassifier(modelFor({ ...s, algo: 'maml' }));
      expect(model.numParams).toBe(PT);
      const rng = new Rng(3, 'advance');
      const theta = Float32Array.from({ length: PT }, () => rng.uniform(-1, 1));
      const after = tf.tidy(() => model.advance(tf.tensor1d(theta)).dataSync());
      expect(Array.from(after)).toEqual(source.map((j) => theta[j]));
    });

    it(`${name}: lr(i) is the rate of i's tensor in row fS`, () => {
      const tensors = glyphRateTensors(geo);
      const rates = Array.from({ length: LSLR_STEPS * tensors.length }, (_, i) => i + 0.5);
      for (const fS of [0, 3, LSLR_STEPS - 1]) {
        const scope = `const rates = ${JSON.stringify(rates)}; const fS = ${fS};`;
        const { lr } = wgslFunctions(glyphRateAccessor(geo), ['lr'], scope);
        const base = s.batchNorm ? tensors.slice(0, -1) : tensors;
        base.forEach((t, k) => {
          for (const i of [t.at, t.at + t.n - 1]) expect(lr!(i)).toBe(rates[fS * tensors.length + k]);
        });
      }
    });
  }
});
