import { describe, expect, it } from 'vitest';
import { glyphSpecs } from '../src/core/engines/fusedGlyph/layout';
import type { FusedAlgo } from '../src/core/engines/fused/fusedMlp';
import {
  batchStride,
  geometry,
  glyphRow,
  glyphStepMacs,
  PIXELS,
  type GlyphNet,
} from '../src/core/engines/webgpuGlyph/layout';
import { dispatchesPerStep, fits, type GlyphFitSettings } from '../src/core/engines/webgpuGlyph/fit';
import { glyphProgramSet, glyphProgramShapes } from '../src/core/engines/webgpuGlyph/programs';
import { packBatch } from '../src/core/engines/webgpuGlyph/taskShader';
import type { GlyphBatch } from '../src/core/families/glyphs/data/sampler';
import { DEFAULT_LIMITS } from '../src/core/engines/webgpu/layout';

// The fused WebGPU glyph engine's layout, dispatch plan and limits are plain TypeScript: checked
// here without a GPU. Its numerics are checked in Chromium on SwiftShader against the CPU engine
// (e2e/fusedWebgpuGlyph.webgpu.spec.ts).

const conv: GlyphNet = { net: 'conv', ways: 5, filters: 32, blocks: 4, hidden: [], batchNorm: true };
const fc: GlyphNet = { net: 'fc', ways: 7, filters: 0, blocks: 0, hidden: [30, 17, 6], batchNorm: false };

function fitSettings(over: Partial<GlyphFitSettings> = {}): GlyphFitSettings {
  return {
    ...conv,
    algo: 'maml',
    inner: 1,
    support: 5,
    query: 15,
    tasks: 4,
    workgroup: 64,
    maxMacs: 1e11,
    ...over,
  };
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

describe('fused WebGPU glyph layout', () => {
  it('lays θ out in the project order (glyphNets), with the SAME padding of TensorFlow', () => {
    for (const net of [conv, { ...conv, batchNorm: false, filters: 13, blocks: 2, ways: 3 }, fc]) {
      const geo = geometry(net);
      const specs = glyphSpecs({ ...net, hidden: net.hidden });
      expect(geo.params).toBe(specs.reduce((a, s) => a + size(s.shape), 0));
      let o = 0;
      let i = 0;
      for (const l of geo.layers) {
        expect(l.offW).toBe(o);
        o += size(specs[i++]!.shape);
        expect(l.offG).toBe(o);
        o += size(specs[i++]!.shape);
        if (net.batchNorm) {
          expect(l.offB).toBe(o);
          o += size(specs[i++]!.shape);
        } else expect(l.offB).toBe(l.offG);
      }
      expect(geo.headW).toBe(o);
      expect(geo.headB).toBe(o + size(specs[i]!.shape));
    }
    // 28 → 14 → 7 → 4 → 2, padding on top only where the total padding is 2
    const g = geometry(conv);
    expect(g.layers.map((l) => [l.sIn, l.sOut, l.pad])).toEqual([
      [28, 14, 0],
      [14, 7, 0],
      [7, 4, 1],
      [4, 2, 0],
    ]);
    expect(g.positions).toBe(4);
    expect(geometry(fc).layers.map((l) => l.k)).toEqual([PIXELS, 30, 17]);
  });

  it('gives every row slot its own floats', () => {
    for (const algo of ['maml', 'fomaml', 'metasgd', 'reptile'] as FusedAlgo[]) {
      for (const net of [conv, fc, { ...conv, batchNorm: false }]) {
        const geo = geometry(net);
        const row = glyphRow(geo, { algo, inner: 2, support: 5, query: 10 });
        const spans: [number, number][] = [
          [row.grad, geo.params],
          [row.gradAlpha, geo.params],
          [row.loss, 1],
          [row.gs, geo.params],
          [row.hv === row.gs ? -1 : row.hv, geo.params],
          [row.thetaSlot, 3 * geo.params],
        ];
        for (const [i, l] of geo.layers.entries()) {
          const n = 10 * l.sOut * l.sOut * l.f;
          const s = row.layers[i]!;
          for (const k of ['z', 'a', 'dy', 'dz'] as const) spans.push([s[k], n]);
          // tangents for the 5 support images only
          for (const k of ['rz', 'ra', 'rdy', 'rdz'] as const) spans.push([s[k], n / 2]);
          for (const k of ['mu', 's', 'm1', 'm2', 'rs', 'rm1', 'rm2'] as const) spans.push([s[k], l.f]);
        }
        const used = spans.filter(([at]) => at >= 0).sort((a, b) => a[0] - b[0]);
        for (let i = 1; i < used.length; i++)
          expect(used[i]![0]).toBeGreaterThanOrEqual(used[i - 1]![0] + used[i - 1]![1]);
        expect(row.gradAlpha >= 0).toBe(algo === 'metasgd');
        expect(row.hv >= 0).toBe(algo === 'maml' || algo === 'metasgd');
        // H·v shares the support gradient's floats except where Meta-SGD still reads g_s
        expect(row.hv === row.gs).toBe(algo === 'maml');
        expect(row.stride).toBeGreaterThan(row.rdfeat);
      }
    }
  });

  it('plans the same dispatches for every meta-batch, ways, shots, queries, depth and inner steps', () => {
    expect(dispatchesPerStep('maml')).toBe(4);
    expect(dispatchesPerStep('fomaml')).toBe(4);
    expect(dispatchesPerStep('reptile')).toBe(4);
    expect(dispatchesPerStep('metasgd')).toBe(5);
    const geo = geometry(conv);
    const set = glyphProgramSet(geo, { algo: 'maml', inner: 2, support: 5, query: 15 }, 64);
    for (const tasks of [1, 3, 8, 32]) {
      const s = glyphProgramShapes(set.row, tasks);
      expect(s.task.groups).toBe(tasks); // one workgroup per task, in one dispatch
      expect(s.moments.groups).toBe(Math.ceil(geo.params / 64));
      expect(s.loss.groups).toBe(1);
    }
    // the generated programs are complete WGSL text with literal sizes
    for (const p of [set.task, set.moments, set.gradient, set.update, set.loss]) {
      expect(p.code).toContain('fn main(index: i32)');
      expect(p.code).not.toMatch(/undefined|NaN|-1u/);
    }
    expect(set.task.code).toContain('fn kRLin0(');
    const fo = glyphProgramSet(geo, { algo: 'fomaml', inner: 2, support: 5, query: 15 }, 4);
    expect(fo.task.code).not.toContain('fn kRLin0(');
    expect(
      glyphProgramSet(geometry(fc), { algo: 'metasgd', inner: 1, support: 7, query: 7 }, 4).task.code,
    ).toContain('alphaVec[i]');
  });

  it('accepts the default configuration and refuses over-limit networks with a reason', () => {
    expect(fits(fitSettings())).toMatchObject({
      ok: true,
      perChunk: 4,
      chunks: 1,
      phases: { ends: [expect.any(Number)] },
    });
    expect(fits(fitSettings({ net: 'fc', hidden: [256, 128, 64, 64] }))).toMatchObject({ ok: true });
    const big = fits(fitSettings({ filters: 64, ways: 20, support: 200, query: 1000, tasks: 32 }));
    expect(big.ok).toBe(false);
    if (!big.ok) expect(big.reason).toMatch(/storage binding limit/);
    // under 1.8·10⁶ multiply-adds (one image through layer 2 of 64 filters) nothing can cut it
    const slow = fits(fitSettings({ filters: 64, tasks: 8, maxMacs: 1e6 }));
    expect(slow.ok).toBe(false);
    if (!slow.ok)
      expect(slow.reason).toMatch(
        /one task's forward pass of layer 2 .*, for one image would be 0\.0018·10⁹ multiply-adds in one dispatch \(limit 0\.001·10⁹/,
      );
    const wide = fits(fitSettings({ workgroup: 512 }));
    expect(wide.ok).toBe(false);
    if (!wide.ok) expect(wide.reason).toMatch(/invocations/);
    // a device with smaller limits than the defaults is respected
    const small = fits(fitSettings(), { ...DEFAULT_LIMITS, maxStorageBufferBindingSize: 1 << 20 });
    expect(small.ok).toBe(false);
    expect(glyphStepMacs(geometry(conv), fitSettings(), 8)).toBe(
      2 * glyphStepMacs(geometry(conv), fitSettings(), 4),
    );
  });

  it('splits a meta-batch over the work or memory limit into task chunks fixed by the settings', () => {
    const perTask = glyphStepMacs(geometry(conv), fitSettings(), 1);
    // the work limit: as many tasks per dispatch as it holds
    expect(fits(fitSettings({ tasks: 8, maxMacs: 3 * perTask }))).toMatchObject({
      ok: true,
      perChunk: 3,
      chunks: 3,
    });
    expect(fits(fitSettings({ tasks: 32, maxMacs: perTask }))).toMatchObject({
      ok: true,
      perChunk: 1,
      chunks: 32,
    });
    // the memory limit: the per-task buffer holds one chunk at a time
    const rowBytes = glyphRow(geometry(conv), fitSettings()).stride * 4;
    const limits = { ...DEFAULT_LIMITS, maxStorageBufferBindingSize: 2 * rowBytes + 8 };
    expect(fits(fitSettings({ tasks: 5 }), limits)).toMatchObject({ ok: true, perChunk: 2, chunks: 3 });
    // the page's default (5-way 1-shot, 5 queries, meta-batch 8, 32 filters) on SwiftShader's limit
    const page = fitSettings({ support: 5, query: 25, tasks: 8, maxMacs: 4e8 });
    expect(fits(page)).toMatchObject({
      ok: true,
      perChunk: 3,
      chunks: 3,
      phases: { ends: [expect.any(Number)] },
    });
    // the dispatches: 2 per chunk (per-task program, sums) and the optimizer's, as one chunk's 4/5
    expect(dispatchesPerStep('maml', 3)).toBe(9);
    expect(dispatchesPerStep('metasgd', 3)).toBe(10);
    expect(dispatchesPerStep('maml', 1)).toBe(dispatchesPerStep('maml'));
    const set = glyphProgramSet(geometry(conv), page, 4, false, { perChunk: 3, chunks: 3 });
    const split = set.split!;
    expect(split.sums.stride).toBe(set.row.params + 1);
    expect(split.sum.code).toContain(`for (var t = 0u; t < 3u; t++)`);
    expect(split.sum.code).toContain(`perTask[t * ${set.row.stride}u + col]`);
    expect(glyphProgramSet(geometry(conv), page, 4).split).toBeNull();
    const ms = glyphProgramSet(geometry(conv), { ...page, algo: 'metasgd' }, 4, false, {
      perChunk: 2,
      chunks: 4,
    });
    expect(ms.split!.sums.gradAlpha).toBe(ms.row.params);
    expect(ms.split!.sum.code).toContain(`${ms.row.gradAlpha}u + i - ${ms.row.params}u`);
  });

  it('packs a batch task after task: support images, labels, query images, labels', () => {
    const b: GlyphBatch = {
      tasks: 2,
      ways: 2,
      shots: 1,
      query: 2,
      xs: Float32Array.from({ length: 2 * 2 * PIXELS }, (_, i) => i),
      ys: Int32Array.from([0, 1, 0, 1]),
      xq: Float32Array.from({ length: 2 * 4 * PIXELS }, (_, i) => -i),
      yq: Int32Array.from([0, 0, 1, 1, 1, 1, 0, 0]),
      classes: new Int32Array(4),
    };
    const p = packBatch(b);
    const stride = batchStride({ support: 2, query: 4 });
    expect(p.length).toBe(2 * stride);
    expect(p[stride + 5]).toBe(2 * PIXELS + 5);
    expect(Array.from(p.subarray(stride + 2 * PIXELS, stride + 2 * PIXELS + 2))).toEqual([0, 1]);
    expect(p[stride + 2 * PIXELS + 2 + 3]).toBe(-(4 * PIXELS + 3));
    expect(Array.from(p.subarray(2 * stride - 4))).toEqual([1, 1, 0, 0]);
  });
});
