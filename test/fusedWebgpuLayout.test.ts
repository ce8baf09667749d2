import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  mlpLayout,
  rateCount,
  rowLayout,
  sharedBytes,
  stepMacs,
  supports,
  type FusedSettings,
} from '../src/core/engines/webgpu/layout';
import { programSet } from '../src/core/engines/webgpu/programs';
import { phaseUniforms } from '../src/core/engines/webgpu/mamlppShader';
import { LSLR_STEPS } from '../src/core/meta/mamlppSchedule';
import { Mlp } from '../src/core/models/mlp';

// The fused WebGPU engine's layout and limits are plain TypeScript: checked here without a GPU.
// Its numerics are checked in Chromium against tfjs (e2e/fusedWebgpu.spec.ts).
const paper: FusedSettings = {
  sizes: [1, 40, 40, 1],
  algo: 'maml',
  inner: 1,
  tasks: 25,
  support: 10,
  query: 10,
  pretrained: true,
};

describe('fused WebGPU layout', () => {
  it('lays θ out as the Mlp does', () => {
    for (const sizes of [
      [1, 40, 40, 1],
      [1, 7, 1],
      [1, 16, 8, 4, 2, 1],
    ]) {
      const m = new Mlp(sizes);
      const l = mlpLayout(sizes);
      expect(l.params).toBe(m.numParams);
      let o = 0;
      for (let i = 0; i < m.layers; i++) {
        expect(l.wOff[i]).toBe(o);
        o += m.paramSizes[2 * i] as number;
        expect(l.bOff[i]).toBe(o);
        o += m.paramSizes[2 * i + 1] as number;
      }
    }
  });

  it('keeps the paper configuration’s activations in workgroup memory, within the default 16 KiB', () => {
    const r = rowLayout(paper);
    expect(r.shared).toBe(true);
    expect(sharedBytes(r)).toBeLessThanOrEqual(DEFAULT_LIMITS.maxComputeWorkgroupStorageSize);
    // gradient, loss and θ_0, θ_1 per row; the activations are not in the row
    expect(r.stride).toBe(r.params + 1 + 2 * r.params);
    const big = rowLayout({ ...paper, sizes: [1, 256, 256, 256, 256, 1], support: 50, query: 50 });
    expect(big.shared).toBe(false);
    expect(big.stride).toBeGreaterThan(big.actBase);
    expect(rowLayout({ ...paper, workgroupMemory: false }).shared).toBe(false);
  });

  it('accepts the allowed ranges and refuses the rest with a reason', () => {
    expect(supports(paper)).toEqual({ ok: true });
    expect(supports({ ...paper, sizes: [1, 256, 256, 1], tasks: 5, support: 50, query: 100 })).toEqual({
      ok: true,
    });
    // the largest paper-width configuration fits
    expect(supports({ ...paper, tasks: 100, support: 50, query: 100, inner: 10 })).toEqual({ ok: true });
    const P = 1761;
    expect(stepMacs(paper)).toBe(25 * (3 * 10 * P * 4 + 3 * 10 * P + 3 * 20 * P));
    const cases: [Partial<FusedSettings>, RegExp][] = [
      [{ sizes: [1, 300, 1] }, /hidden width 300/],
      [{ sizes: [1, 8, 8, 8, 8, 8, 1] }, /hidden layer count 5/],
      [{ sizes: [2, 8, 1] }, /1-input 1-output/],
      [{ support: 51 }, /K 51/],
      [{ query: 0 }, /query size 0/],
      [{ inner: 11 }, /inner steps 11/],
      [{ tasks: 101 }, /meta-batch 101/],
      [
        { sizes: [1, 256, 256, 256, 256, 1], tasks: 100, support: 50, query: 100, inner: 10 },
        /per-task buffer needs .* MiB storage binding limit/,
      ],
      [
        { sizes: [1, 256, 256, 256, 256, 1], tasks: 5, support: 50, query: 100, inner: 3 },
        /multiply-adds in one dispatch/,
      ],
    ];
    for (const [change, reason] of cases) {
      const r = supports({ ...paper, ...change });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(reason);
    }
  });

  it('stays inside the WebGPU defaults when a device offers more, and honours smaller limits', () => {
    const huge = { ...DEFAULT_LIMITS, maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 30 };
    const over = {
      ...paper,
      sizes: [1, 256, 256, 256, 256, 1],
      tasks: 100,
      support: 50,
      query: 100,
      inner: 10,
    };
    expect(supports(over, huge).ok).toBe(false);
    const small = { ...DEFAULT_LIMITS, maxComputeInvocationsPerWorkgroup: 32 };
    const r = supports({ ...paper, workgroup: 64 }, small);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/workgroups of 64 invocations/);
  });

  it('generates one shader per configuration, with only the inputs each algorithm reads', () => {
    for (const algo of ['maml', 'fomaml', 'metasgd', 'reptile'] as const) {
      const set = programSet({ ...paper, algo });
      expect(set.task.code).not.toMatch(/undefined|NaN/);
      expect(set.task.variableNames).toEqual(
        algo === 'metasgd' ? ['theta', 'alphaVec', 'thetaPre', 'batch'] : ['theta', 'thetaPre', 'batch'],
      );
      // the R-op passes exist only where the Hessian term is needed
      expect(set.task.code.includes('fn forwardR')).toBe(algo === 'maml' || algo === 'metasgd');
      expect(set.task.key).toContain(algo);
    }
    expect(programSet(paper, true).task.code).toContain('notDeclaredAnywhere');
  });
});

describe('fused WebGPU layout: MAML++', () => {
  const pp: FusedSettings = { ...paper, algo: 'mamlpp', inner: 5 };

  it('accepts MAML++ and gives each task row its rates’ gradient, support gradients and query gradients', () => {
    expect(supports(pp)).toEqual({ ok: true });
    const r = rowLayout(pp);
    const P = mlpLayout(pp.sizes).params;
    expect(rateCount(pp)).toBe(LSLR_STEPS * 6);
    expect(rateCount(paper)).toBe(0);
    // the row's columns, in order and without overlap: ∂θ, ∂rates, loss, θ_0..θ_S, g_0..g_{S−1}, w·∇L_q
    expect(r.gradAlpha).toBe(-1);
    expect(r.gradRates).toBe(r.grad + P);
    expect(r.loss).toBe(r.gradRates + rateCount(pp));
    expect(r.thetaSlot).toBe(r.loss + 1);
    expect(r.stepGrads).toBe(r.thetaSlot + 6 * P);
    expect(r.queryGrads).toBe(r.stepGrads + 5 * P);
    const rowFloats = r.queryGrads + 4 * P;
    expect(r.stride).toBe(r.shared ? rowFloats : rowFloats + r.actFloats);
    // the other algorithms' rows have none of it
    const maml = rowLayout(paper);
    expect([maml.gradRates, maml.stepGrads, maml.queryGrads]).toEqual([-1, -1, -1]);
    // a query pass after every inner step: more work than MAML's step, counted against the limit
    expect(stepMacs(pp)).toBeGreaterThan(stepMacs({ ...pp, algo: 'maml' }));
  });

  it('compiles one program for the whole schedule: the phase and the loss weights are uniforms', () => {
    const set = programSet(pp);
    expect(set.task.variableNames).toEqual(['theta', 'rates', 'thetaPre', 'batch']);
    expect(set.task.uniforms).toBe(
      'tasks : i32, alpha : f32, order2 : i32, w0 : f32, w1 : f32, w2 : f32, w3 : f32, w4 : f32,',
    );
    expect(set.task.code).not.toMatch(/undefined|NaN/);
    // the Hessian-vector products run only in the second-order phase, chosen at run time
    expect(set.task.code).toContain('if (uniforms.order2 != 0)');
    expect(set.task.code.match(/forwardR\(/g)?.length).toBe(1 + 5);
    expect(set.ratesUpdate?.code).toContain(`${rateCount(pp)}u`);
    expect(programSet(paper).ratesUpdate).toBeNull();
    // a phase's uniforms: the order flag, then one weight per inner step
    const phase = phaseUniforms({ weights: [0.1, 0.2, 0.3, 0.2, 0.2], firstOrder: true, beta: 0.001 });
    expect(phase).toEqual([
      { type: 'int32', data: [0] },
      ...[0.1, 0.2, 0.3, 0.2, 0.2].map((w) => ({ type: 'float32', data: [w] })),
    ]);
  });
});
