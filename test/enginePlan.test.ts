import { describe, expect, it } from 'vitest';
import type { FamilyRun } from '../src/core/families/family';
import {
  autoContenders,
  contenderCount,
  forcedEngine,
  fusedFallbackNotice,
  fusedWebgpuProblem,
} from '../src/worker/host/enginePlan';

const both = { wasm: true, webgpu: true };
const wasmOnly = { wasm: true, webgpu: false };
const none = { wasm: false, webgpu: false };

describe('the engine a forced backend trains on', () => {
  it("is that backend's fused engine where the family runs it there, else tfjs", () => {
    expect(forcedEngine('wasm', 'auto', both)).toEqual({ engine: 'fused', notice: null });
    expect(forcedEngine('webgpu', 'auto', both)).toEqual({ engine: 'fused', notice: null });
    expect(forcedEngine('webgpu', 'auto', wasmOnly)).toEqual({ engine: 'tfjs', notice: null });
    expect(forcedEngine('wasm', 'auto', none)).toEqual({ engine: 'tfjs', notice: null });
    // the cpu backend is the no-WebAssembly fallback: tfjs kernels only
    expect(forcedEngine('cpu', 'auto', both)).toEqual({ engine: 'tfjs', notice: null });
  });

  it('engine=tfjs keeps tfjs kernels; engine=fused without a fused engine there says so and uses tfjs', () => {
    for (const b of ['wasm', 'webgpu', 'cpu'] as const)
      expect(forcedEngine(b, 'tfjs', both)).toEqual({ engine: 'tfjs', notice: null });
    expect(forcedEngine('wasm', 'fused', both)).toEqual({ engine: 'fused', notice: null });
    expect(forcedEngine('webgpu', 'fused', wasmOnly).notice).toMatch(
      /does not run on WebGPU; training with tfjs/,
    );
    expect(forcedEngine('cpu', 'fused', both).notice).toMatch(/cpu backend is the no-WebAssembly fallback/);
    expect(forcedEngine('wasm', 'fused', none)).toMatchObject({ engine: 'tfjs', notice: /no fused engine/ });
  });
});

describe("auto mode's contenders under the engine request", () => {
  it('races everything for auto, only tfjs kernels for tfjs, only fused engines for fused', () => {
    const all = autoContenders('auto', both, true).contenders;
    expect(all).toEqual({ fused: true, fusedWebgpu: true, webgpu: true, tfjs: true });
    expect(contenderCount(all)).toBe(4);
    const tfjs = autoContenders('tfjs', both, true).contenders;
    expect(tfjs).toMatchObject({ fused: false, fusedWebgpu: false, tfjs: true });
    expect(contenderCount(tfjs)).toBe(2);
    expect(contenderCount(autoContenders('tfjs', both, false).contenders)).toBe(1);
    const fused = autoContenders('fused', both, true).contenders;
    expect(fused).toMatchObject({ fused: true, fusedWebgpu: true, tfjs: false });
    expect(contenderCount(fused)).toBe(2);
    // without WebGPU a fused-only request has one contender left: nothing to race
    expect(contenderCount(autoContenders('fused', wasmOnly, true).contenders)).toBe(1);
  });

  it('engine=fused for a family without a fused engine says so once and races tfjs', () => {
    const { contenders, notice } = autoContenders('fused', none, true);
    expect(contenders).toMatchObject({ fused: false, tfjs: true });
    expect(notice).toMatch(/^engine=fused: .*training with tfjs kernels$/);
    expect(autoContenders('auto', none, true).notice).toBeNull();
  });
});

describe("the fused WGSL engine's fallback", () => {
  const fakeRun = (over: Partial<FamilyRun> & { onGpu?: boolean }) =>
    ({ engine: 'fused', ...over }) as unknown as FamilyRun;

  it('names the reason: a shader that does not compile, an over-limit network; null when it runs', async () => {
    const broken = fakeRun({
      prepare: () => Promise.reject(new Error('WGSL: unresolved value notDeclared')),
    });
    expect(await fusedWebgpuProblem(broken)).toBe('WGSL: unresolved value notDeclared');
    expect(await fusedWebgpuProblem(fakeRun({ prepare: () => Promise.resolve(), onGpu: false }))).toMatch(
      /over the WebGPU device's limits/,
    );
    expect(await fusedWebgpuProblem(fakeRun({ engine: 'tfjs' }))).toMatch(/not available/);
    expect(await fusedWebgpuProblem(fakeRun({ prepare: () => Promise.resolve(), onGpu: true }))).toBeNull();
  });

  it('says why a run left the fused WGSL engine, what it kept, and that it trains on tfjs now', () => {
    const n = fusedFallbackNotice('cannot hold this change on WebGPU (over the binding limit)');
    expect(n).toMatchObject({ kind: 'notice', level: 'warning', engine: 'tfjs' });
    if (n.kind !== 'notice') throw new Error('not a notice');
    expect(n.message).toContain(
      'The fused WGSL engine cannot hold this change on WebGPU (over the binding limit)',
    );
    expect(n.message).toContain("θ, Adam's moments, the step and the curves kept");
  });
});
