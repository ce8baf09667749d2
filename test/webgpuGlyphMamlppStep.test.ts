import { describe, expect, it } from 'vitest';
import { type WasmGlyphSettings } from '../src/core/engines/fusedGlyph/fusedGlyph';
import { ratesLength, thetaLayout } from '../src/core/engines/fusedGlyph/mamlpp';
import { taskUniforms } from '../src/core/engines/webgpuGlyph/chunks';
import { dispatchesPerStep, fits } from '../src/core/engines/webgpuGlyph/fit';
import { geometry, glyphRow, glyphStepMacs, mamlppSizes } from '../src/core/engines/webgpuGlyph/layout';
import { glyphRatesLength, mamlppParams } from '../src/core/engines/webgpuGlyph/mamlppGlyph';
import { SOFTWARE_MAX_MACS } from '../src/core/engines/webgpuGlyph/options';
import { planPhases, taskOps } from '../src/core/engines/webgpuGlyph/phases';
import { glyphProgramSet, glyphProgramShapes } from '../src/core/engines/webgpuGlyph/programs';
import { taskUniformDecl } from '../src/core/engines/webgpuGlyph/taskShader';
import { phaseUniforms } from '../src/core/engines/webgpu/mamlppShader';
import { MAMLPP_DEFAULTS, mamlppPhase } from '../src/core/meta/mamlppSchedule';
import { settings } from './fusedGlyphReference';

// The WGSL glyph engine's MAML++ meta-step without a GPU: the per-task row, the operation list
// (which operations the schedule's uniforms guard), the uniforms, the programs' sizes and the
// dispatch count. Its numbers against the WebAssembly engine are checked on SwiftShader
// (e2e/fusedWebgpuGlyph.webgpu.spec.ts, engine-check.html?glyph=mamlpp).

const CASES: [string, Partial<WasmGlyphSettings>][] = [
  ['conv, batch norm', { filters: 6, blocks: 3 }],
  ['conv, bias', { filters: 5, blocks: 2, batchNorm: false }],
  ['fc, batch norm, odd widths', { net: 'fc', hidden: [30, 17, 6] }],
];

const netOf = (over: Partial<WasmGlyphSettings>): WasmGlyphSettings => ({
  ...settings(),
  ...over,
  algo: 'mamlpp',
});

describe('the WGSL glyph engine’s MAML++ meta-step', () => {
  for (const [name, over] of CASES) {
    const s = netOf(over);
    const geo = geometry(s);
    const P = geo.params;

    it(`${name}: the row holds θ with its sets, the rates, each step's support gradient and θ_0..θ_S`, () => {
      const sizes = mamlppSizes(geo);
      expect([sizes.thetaLength, sizes.rates]).toEqual([mamlppParams(geo), glyphRatesLength(geo)]);
      expect([sizes.thetaLength, sizes.rates]).toEqual([thetaLayout(s).size, ratesLength(s)]);
      for (const inner of [1, 2, 5]) {
        const row = glyphRow(geo, { algo: 'mamlpp', inner, support: 6, query: 9 });
        const PT = sizes.thetaLength;
        expect([row.params, row.rates]).toEqual([PT, sizes.rates]);
        const slots: [number, number][] = [
          [row.grad, PT],
          [row.gradRates, sizes.rates],
          [row.loss, 4],
          [row.gs, inner * P],
          [row.hv, P],
          [row.scratch, PT],
          [row.thetaSlot, (inner + 1) * PT],
        ];
        let end = 0;
        for (const [at, n] of slots) {
          expect(at).toBe(end);
          end = at + n;
        }
        expect(row.layers[0]!.z).toBe(end);
        expect(row.layers[0]!.rz).toBeGreaterThan(0);
        expect(row.stride).toBeGreaterThan(end);
      }
    });

    it(`${name}: the schedule's uniforms guard the Hessian-vector products and the intermediate queries`, () => {
      for (const inner of [1, 2, 3]) {
        const shape = { algo: 'mamlpp' as const, inner, support: 6, query: 9 };
        const ops = taskOps(geo, shape, 4);
        expect(ops[0]!.code).toBe('kCopyTheta();');
        expect(ops.reduce((a, o) => a + o.macs, 0)).toBeCloseTo(glyphStepMacs(geo, shape, 1), -2);
        const rOps = ops.filter((o) => /kR[A-Z]/.test(o.code));
        expect(rOps.length).toBeGreaterThan(0);
        for (const o of rOps) expect(o.code).toMatch(/^if \(uniforms\.order2 != 0\) \{ fS = \d+u; /);
        // every weight but the last guards one intermediate query pass (its head scaled by it)
        for (let w = 0; w < inner - 1; w++) {
          const guarded = ops.filter((o) => o.code.startsWith(`if (uniforms.w${w} != 0.0)`));
          expect(guarded.some((o) => o.code.includes(`kHead(${w + 1}u, 9u, uniforms.w${w} *`))).toBe(true);
        }
        expect(ops.some((o) => o.code.startsWith(`if (uniforms.w${inner - 1} `))).toBe(false);
        expect(ops.filter((o) => o.what.startsWith("rates' gradient of step"))).toHaveLength(inner);
        // the inner steps, the last query pass and the walk back's own work run in every phase
        const first = ops.findIndex((o) => o.code.startsWith('if ('));
        expect(ops.slice(0, first).some((o) => o.code.includes(`uniforms.w${inner - 1} *`))).toBe(true);
      }
    });
  }

  it('declares the uniforms the per-task program reads, and gets them from the schedule’s phase', () => {
    const geo = geometry(netOf({}));
    for (const inner of [1, 2, 5]) {
      const shape = { algo: 'mamlpp' as const, inner, support: 2, query: 4 };
      const set = glyphProgramSet(geo, shape, 4);
      const declared = new Set([...set.task.uniforms.matchAll(/(\w+) :/g)].map((m) => m[1]));
      const read = new Set([...set.task.code.matchAll(/uniforms\.(\w+)/g)].map((m) => m[1]));
      for (const u of read) expect(declared.has(u), u).toBe(true);
      expect(set.task.uniforms).toBe(taskUniformDecl(shape));
      const phase = mamlppPhase(3, inner, 0.001, MAMLPP_DEFAULTS);
      expect(taskUniforms(1, 0.4, 0, 0, phaseUniforms(phase))).toHaveLength(declared.size);
      expect(set.task.variableNames).toEqual(['theta', 'rates', 'batch']);
    }
  });

  it('sizes Adam over θ with its sets and the rates, in a constant number of dispatches', () => {
    const geo = geometry(netOf({}));
    const shape = { algo: 'mamlpp' as const, inner: 2, support: 2, query: 4 };
    const set = glyphProgramSet(geo, shape, 4);
    const { thetaLength: PT, rates: R } = mamlppSizes(geo);
    const shapes = glyphProgramShapes(set.row, 3);
    expect([shapes.moments.size, shapes.gradient.size, shapes.update.size]).toEqual([
      2 * PT + 2 * R,
      PT + R,
      PT,
    ]);
    expect(shapes.ratesUpdate.size).toBe(R);
    expect(set.ratesUpdate?.key).toContain(`Update_${R}`);
    // per-task, moments, θ's update, the rates' update, the loss
    expect(dispatchesPerStep('mamlpp')).toBe(5);
    expect(dispatchesPerStep('mamlpp', 3, 2)).toBe(3 * 2 + 3 + 4);
    // split into task chunks: the sums row carries the rates' gradient between θ's and the loss
    const split = glyphProgramSet(geo, shape, 4, false, { perChunk: 2, chunks: 2 }).split!;
    expect([split.sums.gradRates, split.sums.loss, split.sums.stride]).toEqual([PT, PT + R, PT + R + 1]);
    expect(split.sum.code).toContain(`col = ${set.row.gradRates}u + i - ${PT}u;`);
  });

  it('fits the paper network at SwiftShader’s limit in phases, one task per chunk', () => {
    const paper = { net: 'conv' as const, ways: 5, filters: 64, blocks: 4, hidden: [], batchNorm: true };
    for (const inner of [1, 2]) {
      const shape = { algo: 'mamlpp' as const, inner, support: 5, query: 25 };
      const fit = fits({ ...paper, ...shape, tasks: 8, workgroup: 4, maxMacs: SOFTWARE_MAX_MACS });
      expect(fit.ok).toBe(true);
      const plan = planPhases(taskOps(geometry(paper), shape, 4), SOFTWARE_MAX_MACS);
      expect(plan.ok).toBe(true);
    }
  });
});
