import { describe, expect, it } from 'vitest';
import type { FusedAlgo } from '../src/core/engines/fused/fusedMlp';
import {
  geometry,
  glyphStepMacs,
  type GlyphNet,
  type RowShape,
} from '../src/core/engines/webgpuGlyph/layout';
import { dispatchesPerStep, fits, type GlyphFitSettings } from '../src/core/engines/webgpuGlyph/fit';
import { onePhase, planPhases, taskOps } from '../src/core/engines/webgpuGlyph/phases';
import { glyphProgramSet } from '../src/core/engines/webgpuGlyph/programs';
import { SOFTWARE_MAX_MACS } from '../src/core/engines/webgpuGlyph/options';

// One task's meta-step over the per-dispatch work limit runs in phases of its operations (plain
// TypeScript here; the WGSL results, split against unsplit and against the CPU engine, are
// checked on SwiftShader in e2e/fusedWebgpuGlyph.webgpu.spec.ts).

const paper = (ways: number): GlyphNet => ({
  net: 'conv',
  ways,
  filters: 64,
  blocks: 4,
  hidden: [],
  batchNorm: true,
});

function settings(net: GlyphNet, shape: RowShape, tasks: number): GlyphFitSettings {
  return { ...net, ...shape, tasks, workgroup: 4, maxMacs: SOFTWARE_MAX_MACS };
}

describe('phases of one task of the fused WebGPU glyph meta-step', () => {
  it('counts the same multiply-adds as the step estimate, in the order of one dispatch', () => {
    for (const algo of ['maml', 'fomaml', 'metasgd'] as FusedAlgo[])
      for (const inner of [1, 2, 5]) {
        const shape = { algo, inner, support: 20, query: 100 };
        const geo = geometry(paper(20));
        const ops = taskOps(geo, shape, 4);
        const sum = ops.reduce((a, o) => a + o.macs, 0);
        expect(sum).toBeCloseTo(glyphStepMacs(geo, shape, 1), -2);
        expect(ops[0]!.code).toBe('kCopyTheta();');
      }
  });

  it('splits the paper network at 20-way 1-shot and 5-way 5-shot under SwiftShader’s limit', () => {
    for (const [ways, shots, tasks] of [
      [20, 1, 16],
      [5, 5, 32],
    ] as const) {
      for (const algo of ['maml', 'fomaml', 'metasgd', 'reptile'] as FusedAlgo[]) {
        const shape = { algo, inner: 1, support: ways * shots, query: ways * 5 };
        const geo = geometry(paper(ways));
        const fit = fits(settings(paper(ways), shape, tasks));
        expect(fit.ok, `${ways}-way ${shots}-shot ${algo}`).toBe(true);
        if (!fit.ok) continue;
        const over = glyphStepMacs(geo, shape, 1) > SOFTWARE_MAX_MACS;
        expect(fit.phases.ends.length > 1).toBe(over);
        if (!over) continue;
        expect([fit.perChunk, fit.chunks]).toEqual([1, tasks]);
        const ops = taskOps(geo, shape, 4);
        let from = 0;
        for (const end of fit.phases.ends) {
          const macs = ops.slice(from, end).reduce((a, o) => a + o.macs, 0);
          expect(macs).toBeLessThanOrEqual(SOFTWARE_MAX_MACS);
          expect(end).toBeGreaterThan(from);
          from = end;
        }
        expect(from).toBe(ops.length);
        // the program: one case per phase; the count depends on the settings, never on a step
        const set = glyphProgramSet(geo, shape, 4, false, fit);
        expect(set.phases).toBe(fit.phases.ends.length);
        expect(set.task.code.match(/case \d+u:/g)).toHaveLength(fit.phases.ends.length);
        expect(set.task.key).toContain(`_ph${fit.phases.ends.join('.')}`);
        const d = dispatchesPerStep(algo, fit.chunks, fit.phases.ends.length);
        expect(d).toBe(tasks * (fit.phases.ends.length + 1) + 2 + (algo === 'metasgd' ? 2 : 1));
      }
    }
  });

  it('runs the same operations in one phase as in several, and refuses what one operation exceeds', () => {
    const geo = geometry(paper(20));
    const shape = { algo: 'maml' as const, inner: 2, support: 20, query: 100 };
    const ops = taskOps(geo, shape, 4);
    const plan = planPhases(ops, SOFTWARE_MAX_MACS);
    expect(plan.ok).toBe(true);
    const whole = glyphProgramSet(geo, shape, 4, false, { perChunk: 1, chunks: 1, phases: onePhase(ops) });
    const split = glyphProgramSet(geo, shape, 4, false, {
      perChunk: 1,
      chunks: 1,
      ...(plan.ok ? { phases: plan.plan } : {}),
    });
    const calls = (code: string) =>
      code.match(/k[A-Z][A-Za-z]*\d*\([^)]*\);/g)?.filter((c) => !c.startsWith('kPhase')) ?? [];
    // (the pass functions' own bodies are the same text in both; only kPhase's cases differ)
    expect(calls(split.task.code)).toEqual(calls(whole.task.code));
    expect(whole.task.code.match(/case \d+u:/g)).toHaveLength(1);
    // 20-way 5-shot: one Hessian-vector layer pass over 100 support images is over the limit
    const big = fits(settings(paper(20), { algo: 'maml', inner: 1, support: 100, query: 100 }, 16));
    expect(big.ok).toBe(false);
    if (!big.ok)
      expect(big.reason).toMatch(
        /one task's Hessian-vector .* layer 2 on 100 support images .* multiply-adds/,
      );
  });
});
