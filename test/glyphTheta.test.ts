import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
import { classBatchTensors, type ClassBatch } from '../src/core/families/glyphs/classification';
import { glyphSet } from '../src/core/families/glyphs/data/hershey';
import { sampleGlyphBatch } from '../src/core/families/glyphs/data/sampler';
import { GlyphRun } from '../src/core/families/glyphs/run';
import { GLYPH_THETA } from '../src/core/families/glyphs/thetaBudget';
import { Rng } from '../src/core/random';
import type { MetaLearner } from '../src/core/meta/learners';
import type { HostServices } from '../src/worker/families/familyWorker';
import { GlyphThetaPart } from '../src/worker/families/glyphTheta';
import type { FromWorker } from '../src/worker/protocol';
import { startBackend } from './helpers';

type Msg<K extends FromWorker['kind']> = Extract<FromWorker, { kind: K }>;

/** The glyph part's θ view driven the way the host drives it: capture per step, flush per chunk. */
function setup(query = 'task=glyphs&batch=2&query=2&filters=8') {
  const config = parseExperiment(query).config;
  const run = new GlyphRun(config);
  const posts: FromWorker[] = [];
  const host = {
    run: () => run,
    config: () => config,
    running: () => false,
    post: (m: FromWorker) => posts.push(m),
    inference: <T>(fn: () => Promise<T>) => fn(),
    usesSideWasm: () => false,
    inferenceBackend: () => 'wasm',
    snapshot: () => Promise.reject(new Error('not used')),
  } as HostServices;
  const part = new GlyphThetaPart(host);
  const train = async (steps: number) => {
    for (let i = 0; i < steps; i++) {
      const l = run.step();
      tf.dispose([l.meta, ...(l.pretrained ? [l.pretrained] : [])]);
      part.capture(run);
    }
    await part.flush();
  };
  const last = <K extends FromWorker['kind']>(kind: K) =>
    posts.filter((m) => m.kind === kind).at(-1) as Msg<K>;
  return { config, run, part, posts, train, last };
}

describe('the glyph θ view', () => {
  it('reports the trajectory of MAML’s θ and the inner-loop paths of three held-out tasks', async () => {
    await startBackend('wasm');
    const { config, run, part, train, last } = setup();
    await part.work();
    expect(last('theta').count).toBe(1);
    await train(3);
    const stream = run.streamState();
    part.markDirty();
    await part.work();
    const r = last('theta');
    expect(r.subject).toBe('maml');
    expect(r.numParams).toBe(run.model.numParams);
    expect(Array.from(r.steps)).toEqual([0, 1, 2, 3]);
    expect(r.viewTaskId).toBeNull();
    expect(r.paths.tasks).toBe(GLYPH_THETA.shownTasks);
    expect(r.paths.steps).toBe(GLYPH_THETA.pathSteps);
    expect(r.paths.losses.length).toBe(3 * (GLYPH_THETA.pathSteps + 1));
    expect(r.paths.losses.every(Number.isFinite)).toBe(true);
    const stride = 2 * (r.paths.steps + 1);
    for (let t = 0; t < r.paths.tasks; t++) {
      expect(r.paths.coords[t * stride] as number).toBeCloseTo(r.current[0], 3);
      expect(r.paths.coords[t * stride + 1] as number).toBeCloseTo(r.current[1], 3);
      // α = 0.4 on the support set: the query loss moves
      expect(r.paths.losses[t * (r.paths.steps + 1)]).not.toBe(
        r.paths.losses[(t + 1) * (r.paths.steps + 1) - 1],
      );
    }
    // tasks are described by their classes: N names per task
    expect(r.paramsPerTask).toBe(config.ways);
    expect(r.taskParams.length).toBe(3 * config.ways);
    expect(r.taskNames?.length).toBe(3);
    expect(r.taskNames?.[0]?.split(' · ').length).toBe(config.ways);
    // the training stream is untouched
    expect(run.streamState()).toEqual(stream);

    // the pretrained classifier is another network: the view stays on MAML's θ; random paths come on request
    part.setView('pretrained', true);
    await part.work();
    const p = last('theta');
    expect(p.subject).toBe('maml');
    expect(p.random?.tasks).toBe(3);
    expect(p.random?.start[0]).toBeCloseTo(p.coords[0] as number, 3);
    run.dispose();
  });

  it('computes the landscape one grid point per chunk, the meta-objective at θ equal to the meta-loss', async () => {
    await startBackend('wasm');
    const { config, run, part, posts, train, last } = setup();
    await part.work();
    await train(2);
    part.markDirty();
    await part.work();
    const before = tf.memory().numTensors;
    part.requestLandscape(5, 3);
    let calls = 0;
    while (part.busy) {
      await part.work();
      calls++;
    }
    expect(calls).toBeGreaterThanOrEqual(Math.ceil(9 / GLYPH_THETA.landscapeChunk));
    const land = last('landscape');
    expect(land.id).toBe(5);
    expect(land.resolution).toBe(3);
    expect(land.tasks).toBe(GLYPH_THETA.landscapeTasks);
    expect(land.pre.every(Number.isFinite)).toBe(true);
    expect(land.post.every(Number.isFinite)).toBe(true);
    expect(land.x[1] as number).toBeCloseTo(last('theta').current[0], 3);
    expect(tf.memory().numTensors).toBe(before);
    // the centre is θ: its meta-objective is the learner's meta-loss on the same fixed tasks
    const batch = sampleGlyphBatch(
      Rng.stream(config.seed, 'theta-view/landscape'),
      GLYPH_THETA.landscapeTasks,
      { split: 'train', ways: config.ways, shots: config.k, query: GLYPH_THETA.landscapeQuery },
      glyphSet(),
    );
    const b = classBatchTensors(batch);
    const learner = run.learner as MetaLearner<ClassBatch, tf.Tensor>;
    const metaLoss = tf.tidy(() => learner.metaLoss(learner.theta, b));
    expect(land.post[4] as number).toBeCloseTo((await metaLoss.data())[0] as number, 4);
    tf.dispose([metaLoss, b.xs, b.ys, b.xq, b.yq]);
    const progress = posts.filter((m) => m.kind === 'landscapeProgress') as Msg<'landscapeProgress'>[];
    expect(progress.at(-1)?.done).toBe(progress.at(-1)?.total);

    // a grid finer than the conv net's budget is capped; a reset cancels it without leaking
    part.requestLandscape(6, 25);
    await part.work();
    expect(last('landscapeProgress').total).toBe(
      Math.ceil(GLYPH_THETA.landscapeResolution ** 2 / GLYPH_THETA.landscapeChunk),
    );
    await part.work();
    part.clear();
    expect(tf.memory().numTensors).toBe(before);
    run.dispose();
  });
});
