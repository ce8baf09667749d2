import { describe, expect, it } from 'vitest';
import type { FusedAlgo } from '../src/core/engines/fused/fusedMlp';
import {
  geometry,
  glyphStepMacs,
  type GlyphNet,
  type RowShape,
} from '../src/core/engines/webgpuGlyph/layout';
import { dispatchesPerStep, fits, type GlyphFitSettings } from '../src/core/engines/webgpuGlyph/fit';
import { onePhase, planPhases, taskOps, type TaskOp } from '../src/core/engines/webgpuGlyph/phases';
import { cutOps } from '../src/core/engines/webgpuGlyph/cuts';
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

  it('splits the paper network at 20-way 1-shot, 5-way 5-shot and 20-way 5-shot under SwiftShader’s limit', () => {
    for (const [ways, shots, tasks] of [
      [20, 1, 16],
      [5, 5, 32],
      [20, 5, 16],
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
        const ops = cutOps(taskOps(geo, shape, 4), fit.phases.cuts);
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

  it('gives docs/benchmarks.md’s dispatch counts for the paper network on SwiftShader', () => {
    // [ways, shots, meta-batch, algorithm, phases, dispatches per step]: the table in
    // docs/benchmarks.md ("What splits, and into how many dispatches")
    const table: [number, number, number, FusedAlgo, number, number][] = [
      [5, 1, 32, 'maml', 1, 67],
      [5, 5, 32, 'maml', 3, 131],
      [5, 5, 32, 'fomaml', 1, 67],
      [20, 1, 16, 'maml', 5, 99],
      [20, 1, 16, 'fomaml', 3, 67],
      [20, 5, 16, 'fomaml', 5, 99],
      [20, 5, 16, 'maml', 16, 275],
    ];
    for (const [ways, shots, tasks, algo, phases, dispatches] of table) {
      const shape = { algo, inner: 1, support: ways * shots, query: ways * 5 };
      const fit = fits(settings(paper(ways), shape, tasks));
      expect(fit.ok).toBe(true);
      if (!fit.ok) continue;
      const got = [fit.chunks, fit.phases.ends.length, dispatchesPerStep(algo, fit.chunks, phases)];
      expect(got, `${ways}-way ${shots}-shot ${algo}`).toEqual([tasks, phases, dispatches]);
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
    expect(plan.ok && plan.plan.cuts).toEqual([]);
  });

  it('cuts one operation over the limit into pieces that compute its outputs in the same order', () => {
    const geo = geometry(paper(20));
    const shape = { algo: 'maml' as const, inner: 1, support: 100, query: 100 };
    const ops = taskOps(geo, shape, 4);
    const fit = fits(settings(paper(20), shape, 16));
    expect(fit.ok).toBe(true);
    if (!fit.ok) return;
    // the Hessian-vector forward pass of layer 2 (0.54·10⁹) and the R-backward of layer 2 (its dY, its dW)
    const cut = fit.phases.cuts.map((c) => [ops[c.op]!.what, c.pieces]);
    expect(cut).toEqual([
      ['Hessian-vector forward pass of layer 2 on 100 support images', 2],
      ['Hessian-vector backward pass of layer 2 on 100 support images', 2],
      ['Hessian-vector backward pass of layer 2 on 100 support images', 2],
    ]);
    for (const c of fit.phases.cuts) expect(ops[c.op]!.macs).toBeGreaterThan(SOFTWARE_MAX_MACS);
    const pieces = cutOps(ops, fit.phases.cuts);
    expect(pieces).toHaveLength(ops.length + 3);
    expect(pieces.reduce((a, o) => a + o.macs, 0)).toBe(ops.reduce((a, o) => a + o.macs, 0));
    // joined back where one piece's range ends at the next one's start, the pieces are the
    // unsplit step's calls: the same functions over the same output elements, in the same order
    expect(joined(calls(pieces))).toEqual(calls(ops));
    expect(calls(pieces)).not.toEqual(calls(ops));
    // batch norm's statistics after the last image's piece, the norm backward before the first
    const fwd = pieces.filter((o) => o.what.startsWith('Hessian-vector forward pass of layer 2'));
    expect(fwd.map((o) => o.code)).toEqual([
      'kRLin1(0u, 100u, 0u, 156800u);',
      'kRLin1(0u, 100u, 156800u, 313600u); kRBn1(0u, 100u);',
    ]);
    const grad = pieces.filter((o) => /^kR(Norm|WGrad)1/.test(o.code)).map((o) => o.code);
    expect(grad).toEqual([
      'kRNorm1(0u, 100u); kRWGrad1(0u, 100u, 0u, 18432u);',
      'kRWGrad1(0u, 100u, 18432u, 36864u);',
    ]);
    // the program's key names the cuts (the same phase ends could come from other cuts)
    const set = glyphProgramSet(geo, shape, 4, false, fit);
    expect(set.task.key).toContain(
      `_ph${fit.phases.ends.join('.')}_cut${fit.phases.cuts.map((c) => `${c.op}x${c.pieces}`).join('.')}`,
    );
    expect(set.task.code).toContain('kRLin1(0u, 100u, 156800u, 313600u); kRBn1(0u, 100u);');
  });

  it('refuses no network or batch of the glyph schema for work at SwiftShader’s limit, only for memory', () => {
    let [refused, cut] = [0, 0];
    const nets: GlyphNet[] = [{ ...paper(2), net: 'fc', hidden: [256, 128, 64, 64] }];
    for (const filters of [4, 64]) for (const blocks of [1, 4]) nets.push({ ...paper(2), filters, blocks });
    for (const net of nets)
      for (const batchNorm of [true, false])
        for (const ways of [2, 20])
          for (const [shots, query] of [
            [1, 1],
            [10, 5],
            [10, 50],
          ] as const)
            for (const inner of [1, 10])
              for (const algo of ['maml', 'metasgd'] as FusedAlgo[]) {
                const shape = { algo, inner, support: ways * shots, query: ways * query };
                const fit = fits(settings({ ...net, batchNorm, ways }, shape, 32));
                if (fit.ok && fit.phases.cuts.length > 0) cut++;
                if (fit.ok) continue;
                refused++;
                expect(fit.reason).toMatch(/storage binding limit/);
              }
    expect([refused > 0, cut > 0]).toEqual([true, true]);
  });

  it('refuses what cannot be cut under the limit, and a row over the storage binding limit', () => {
    // below one image's share of layer 2 (49 rows × 576 × 64) no cut fits
    const tiny = fits({
      ...settings(paper(5), { algo: 'maml', inner: 1, support: 5, query: 25 }, 4),
      maxMacs: 1e6,
    });
    expect(tiny.ok).toBe(false);
    if (!tiny.ok)
      expect(tiny.reason).toMatch(
        /one task's forward pass of layer 2 on 5 support images, for one image would be 0\.0018·10⁹/,
      );
    // 20-way 10-shot with 50 queries per class: 313 MiB of activations for one task
    const big = fits(settings(paper(20), { algo: 'maml', inner: 1, support: 200, query: 1000 }, 32));
    expect(big.ok).toBe(false);
    if (!big.ok)
      expect(big.reason).toMatch(/per-task buffer needs 313\.04 MiB .* 128 MiB storage binding limit/);
  });
});

const RANGED = /^(kLin|kDy|kWGrad|kRLin|kRDy|kRWGrad)\d+$/;

/** Every pass function call of the operations, in order: its name and literal arguments. */
function calls(ops: readonly TaskOp[]): { name: string; args: string[] }[] {
  return ops.flatMap((o) =>
    [...o.code.matchAll(/(k[A-Z][A-Za-z]*\d*)\(([^)]*)\);/g)].map((m) => ({
      name: m[1]!,
      args: m[2]!.split(', '),
    })),
  );
}

/** Consecutive calls of a ranged function joined where one's range (last two arguments) ends at the next one's start. */
function joined(list: { name: string; args: string[] }[]): { name: string; args: string[] }[] {
  const out: { name: string; args: string[] }[] = [];
  for (const c of list) {
    const prev = out[out.length - 1];
    const same = prev && prev.name === c.name && RANGED.test(c.name);
    if (
      same &&
      prev.args.slice(0, -2).join() === c.args.slice(0, -2).join() &&
      prev.args.at(-1) === c.args.at(-2)
    ) {
      prev.args = [...prev.args.slice(0, -1), c.args.at(-1)!];
    } else out.push({ name: c.name, args: [...c.args] });
  }
  return out;
}
