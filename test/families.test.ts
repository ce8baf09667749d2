import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseExperiment, serializeExperiment, TASKS } from '../src/core/experiment';
import { familyOf, registeredFamilies } from '../src/core/families/registry';
import { createRegressionRun } from '../src/core/families/regression/lookup';
import { DEFAULT_EVAL, evaluate, makeEvalTasks } from '../src/core/families/regression/evaluate';
import { COMPONENTS } from '../src/core/families/mixture/schema';
import { mixtureTasks } from '../src/core/families/mixture/sampler';
import { MIXTURE_RANGES } from '../src/core/families/mixture/ranges';
import { restartReason } from '../src/core/families/restart';
import { Rng } from '../src/core/random';
import { PAGE_TASKS } from '../src/ui/families/registry';
import { experiment, startBackend } from './helpers';

describe('task family registry', () => {
  it('every family the schema knows has a compute side and a page side, and no others exist', () => {
    expect([...registeredFamilies()].sort()).toEqual([...TASKS].sort());
    expect([...PAGE_TASKS].sort()).toEqual(TASKS.filter((t) => familyOf(t).schema.inPage !== false).sort());
    for (const task of TASKS) {
      const family = familyOf(task);
      expect(family.schema.name).toBe(task);
      expect(['lower', 'higher']).toContain(family.metric.direction);
      expect(family.numParams(parseExperiment(`task=${task}`).config)).toBeGreaterThan(0);
    }
  });

  it('links made before families were pluggable open the same experiment', () => {
    // share links written by the page and the CLI of the previous release (main 075b1fc)
    const old = [
      'task=sinusoid&algo=maml&alpha=0.01&beta=0.001&inner=1&k=10&query=10&batch=25&hidden=40,40&seed=1',
      'task=sinusoid&algo=metasgd&alpha=0.003&beta=0.001&inner=1&k=5&query=7&batch=25&hidden=64,32,16&seed=99',
      'task=glyphs&algo=maml&alpha=0.4&beta=0.001&inner=1&k=1&query=5&batch=8&ways=5&net=conv&filters=32&seed=1',
      'task=glyphs&algo=fomaml&alpha=0.2&beta=0.002&inner=2&k=3&query=4&batch=4&ways=10&net=fc&filters=16&seed=7',
    ];
    for (const link of old) {
      const r = parseExperiment(link);
      expect(r.warnings).toEqual([]);
      expect(serializeExperiment(r.config)).toBe(link);
      expect(r.config).not.toHaveProperty('mix');
    }
  });
});

describe('function mixtures', () => {
  it('parse: own defaults and fields, the kinds as a validated set, absent from other families', () => {
    const d = parseExperiment('task=mixture');
    expect(d.warnings).toEqual([]);
    expect(d.config.mix).toEqual([...COMPONENTS]);
    expect(serializeExperiment(d.config)).toBe(
      'task=mixture&algo=maml&alpha=0.01&beta=0.001&inner=1&k=10&query=10&batch=25&hidden=40,40&mix=sine,line,quadratic,abs&seed=1',
    );
    const two = parseExperiment('task=mixture&mix=abs,LINE,abs&k=5');
    expect(two.config.mix).toEqual(['abs', 'line']);
    expect(two.config.query).toBe(5);
    const bad = parseExperiment('task=mixture&mix=sine,cubic');
    expect(bad.config.mix).toEqual(['sine']);
    expect(bad.warnings[0]?.message).toMatch(/cubic.*not one of/);
    expect(parseExperiment('task=mixture&mix=cubic').config.mix).toEqual([...COMPONENTS]);
    expect(parseExperiment('mix=line').warnings[0]?.message).toMatch(/does not apply to sinusoid/);
    expect(parseExperiment('task=glyphs&mix=line').warnings[0]?.message).toMatch(/does not apply to glyphs/);
  });

  it('samples only the chosen kinds, reproducibly, on the true curves and within the stated y range', () => {
    const family = mixtureTasks(['line', 'abs']);
    const a = family.sampleBatch(Rng.stream(5, 'train'), 200, 10, 20);
    const b = family.sampleBatch(Rng.stream(5, 'train'), 200, 10, 20);
    expect(a.ys).toEqual(b.ys);
    const kinds = new Set<number>();
    for (let t = 0; t < a.tasks; t++) {
      kinds.add(a.taskParams[4 * t] as number);
      for (let i = 0; i < a.support; i++) {
        const x = a.xs[t * a.support + i] as number;
        expect(a.ys[t * a.support + i]).toBeCloseTo(family.truth(a.taskParams, 4 * t, x), 4);
      }
    }
    expect([...kinds].sort()).toEqual([COMPONENTS.indexOf('line'), COMPONENTS.indexOf('abs')].sort());
    const all = mixtureTasks().sampleBatch(Rng.stream(9, 'train'), 400, 20, 0);
    const maxY = Math.max(...Array.from(all.ys, Math.abs));
    expect(maxY).toBeLessThanOrEqual(mixtureTasks().yBound);
    expect(maxY).toBeGreaterThan(4);
    expect(MIXTURE_RANGES.line.a[1]).toBeGreaterThan(0);
    expect(mixtureTasks(['quadratic']).describe(all.taskParams, 0)).toMatch(/y = /);
  });

  it('a change of mixture is a new run; α or β is not', () => {
    const c = parseExperiment('task=mixture').config;
    expect(restartReason(c, { ...c, mix: ['sine'] })).toMatch(/mixture changed to sine/);
    expect(restartReason(c, { ...c, alpha: 0.02, beta: 0.01 })).toBeNull();
  });

  it('meta-training on the mixture beats the random and pretrained initialisations after one step', async () => {
    await startBackend('wasm');
    const config = { ...experiment({ k: 10 }), task: 'mixture', mix: [...COMPONENTS] };
    const before = tf.memory().numTensors;
    const run = createRegressionRun(config);
    for (let s = 0; s < 1200; s++) {
      const { meta, pretrained } = run.step();
      tf.dispose([meta, pretrained as tf.Tensor]);
    }
    const tasks = makeEvalTasks(run.tasks, { ...DEFAULT_EVAL, tasks: 200, k: 10 });
    const curves = await evaluate(run.model, run.methods(), tasks, 3);
    const maml = curves.maml!.mse[1] as number;
    expect(maml).toBeLessThan(0.8 * (curves.random!.mse[1] as number));
    expect(maml).toBeLessThan(curves.pretrained!.mse[1] as number);
    run.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
