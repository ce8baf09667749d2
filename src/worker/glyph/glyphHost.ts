/**
 * The glyph worker's logic: owns one GlyphRun (MAML θ, the pretrained classifier, the random θ),
 * meta-trains one step at a time (reporting after each, since a second-order step through the
 * conv net takes most of a second on wasm) and answers the lab's requests in between steps.
 */
import * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../../core/experiment';
import { classInnerStep } from '../../core/families/glyphs/classification';
import { decodeGlyphTheta, GlyphRun } from '../../core/families/glyphs/run';
import type { InnerRate } from '../../core/meta/innerLoop';
import { broadcastTasks } from '../../core/models/classifier';
import { softmax } from '../../core/ops/softmax';
import { Rng } from '../../core/random';
import { IMAGE_SIZE } from '../../core/families/glyphs/data/rasterize';
import { sampleGlyphBatch } from '../../core/families/glyphs/data/sampler';
import { chooseBackend, measureWasmBeside, raceBackends } from '../backend';
import type { BackendName, BackendRequest } from '../protocol';
import { GLYPH_METHODS, type FromGlyphWorker, type GlyphMethod, type ToGlyphWorker } from './glyphProtocol';

/** query images per class in the task view (few enough to see them all) */
const VIEW_QUERY = 2;
const S = IMAGE_SIZE;

interface Adapted {
  id: number;
  ways: number;
  maml: tf.Tensor;
  random: tf.Tensor;
  /** the user's support images [1, N·K, 28, 28, 1]: a new drawing is classified in a batch with them */
  support: tf.Tensor5D;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Everything a rebuilt run continues from (a loaded file, or the run before a backend switch). */
interface RunStart {
  theta: Float32Array;
  alpha?: Float32Array;
  pretrained?: { theta: Float32Array; step: number };
  step: number;
}

/** the wasm probe beside WebGPU: one warm-up step, then single timed steps for up to 2 s */
const GLYPH_PROBE = { budgetMs: 2000, warmup: 1, group: 1, maxSteps: 3 };
/** auto mode waits this long before timing the backends, so the page's first requests go first */
const RACE_DELAY_MS = 1500;

export class GlyphHost {
  private run: GlyphRun | null = null;
  private config: Experiment | null = null;
  private backend: BackendName | null = null;
  private running = false;
  private looping = false;
  private thetaSource = '';
  private adapted: Adapted | null = null;
  private wasmPath = '';
  /** a share link's replay: train to this step, then pause */
  private replayTo: number | null = null;
  /** on WebGPU: wasm's ms per meta-step measured beside it, and WebGPU's meta-steps timed so far */
  private wasmMs: number | null = null;
  private webgpuTimed = 0;
  /** serialises the requests that use tf with the training loop's awaits */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly post: (msg: FromGlyphWorker) => void) {}

  handle(msg: ToGlyphWorker): void {
    switch (msg.kind) {
      case 'init':
        this.enqueue(() => this.init(msg.config, msg.backend, msg.wasmPath));
        return;
      case 'play':
        this.running = true;
        this.loop();
        return;
      case 'replay':
        this.enqueue(async () => {
          if (!this.run || this.run.stepCount >= msg.to) return;
          this.replayTo = msg.to;
          this.running = true;
          this.loop();
        });
        return;
      case 'pause':
        this.running = false;
        this.replayTo = null;
        this.enqueue(async () => this.report(null, null, 0));
        return;
      case 'step':
        if (!this.running) this.enqueue(() => this.stepOnce());
        return;
      case 'reset':
        this.running = false;
        this.replayTo = null;
        this.enqueue(async () => this.rebuild(this.config, null, 'random initialisation'));
        return;
      case 'config':
        this.enqueue(() => this.setConfig(msg.config));
        return;
      case 'backend':
        this.running = false;
        this.replayTo = null;
        this.enqueue(() => this.switchBackend(msg.request));
        return;
      case 'loadTheta':
        this.running = false;
        this.replayTo = null;
        this.enqueue(async () => this.loadTheta(msg.text, msg.source));
        return;
      case 'evaluate':
        this.enqueue(() => this.evaluate(msg.id, msg.tasks, msg.steps));
        return;
      case 'showTask':
        this.enqueue(() => this.showTask(msg.id, msg.counter, msg.steps));
        return;
      case 'adapt':
        this.enqueue(() => this.adapt(msg.id, msg.ways, msg.shots, msg.images, msg.steps));
        return;
      case 'classify':
        this.enqueue(() => this.classify(msg.id, msg.adaptId, msg.image));
        return;
    }
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue = this.queue.then(job).catch((e: unknown) => {
      this.post({ kind: 'error', fatal: false, message: errorText(e) });
    });
  }

  private async init(config: Experiment, request: BackendRequest, wasmPath: string) {
    this.wasmPath = wasmPath;
    const choice = await chooseBackend(request, wasmPath);
    this.backend = choice.backend;
    // auto: start on wasm so the first task shows at once, then time both and keep the faster
    const race = request === 'auto' && choice.backend === 'webgpu';
    if (race && (await tf.setBackend('wasm')) && tf.getBackend() === 'wasm') this.backend = 'wasm';
    this.rebuild(config, null, 'random initialisation', choice.fallback);
    if (race && this.backend === 'wasm') {
      // the page's first requests (a task, an evaluation, the shipped θ) go ahead of the timing
      setTimeout(() => this.enqueue(() => this.race()), RACE_DELAY_MS);
    } else {
      await this.probeWasm();
    }
  }

  /**
   * Auto mode: time wasm and WebGPU on throwaway copies of this network and move the run to the
   * faster, in place (tfjs moves each tensor on first use): θ, moments, step and curves carry over.
   */
  private async race(): Promise<void> {
    const config = this.config;
    if (!config || !this.backend) return;
    const result = await raceBackends(() => new GlyphRun(config, { pretrained: false }), this.backend, {
      wasm: GLYPH_PROBE,
      webgpuDeadlineMs: 8000,
    });
    if (result.winner !== this.backend) {
      await tf.setBackend(result.winner);
      this.backend = result.winner;
    }
    this.post({
      kind: 'benchmark',
      rates: result.rates,
      choice: { winner: result.winner, bounded: result.bounded },
    });
  }

  /**
   * On WebGPU, time wasm on a throwaway copy of this network now; WebGPU is timed on its first
   * real meta-steps, and the page shows both (on a software adapter WebGPU loses by far).
   */
  private async probeWasm(): Promise<void> {
    this.wasmMs = null;
    this.webgpuTimed = 0;
    const config = this.config;
    if (this.backend !== 'webgpu' || !config) return;
    const rate = await measureWasmBeside(() => new GlyphRun(config, { pretrained: false }), GLYPH_PROBE);
    this.wasmMs = rate ? 1000 / rate : null;
  }

  /** Continue the same run on another backend: θ, Meta-SGD's rates, the pretrained baseline, the step. */
  private async switchBackend(request: BackendRequest): Promise<void> {
    const run = this.run;
    const config = this.config;
    if (!run || !config) return;
    const copy = async (t: tf.Tensor) => Float32Array.from((await t.data()) as Float32Array);
    const start: RunStart = {
      theta: await copy(run.learner.theta),
      step: run.stepCount,
      ...(run.learner.alphaVec ? { alpha: await copy(run.learner.alphaVec) } : {}),
      ...(run.pretrainer
        ? { pretrained: { theta: await copy(run.pretrainer.theta), step: run.pretrainer.stepCount } }
        : {}),
    };
    this.disposeAdapted();
    run.dispose();
    this.run = null;
    const choice = await chooseBackend(request, this.wasmPath);
    this.backend = choice.backend;
    this.rebuild(config, start, this.thetaSource, choice.fallback, true);
    await this.probeWasm();
  }

  private rebuild(
    config: Experiment | null,
    start: RunStart | null,
    source: string,
    fallback: string | null = null,
    resumed = false,
  ): void {
    if (!config || !this.backend) return;
    this.disposeAdapted();
    this.run?.dispose();
    this.run = null;
    this.config = { ...config, hidden: [...config.hidden] };
    this.run = new GlyphRun(
      this.config,
      start
        ? {
            theta: start.theta,
            ...(start.alpha ? { alpha: start.alpha } : {}),
            ...(start.pretrained ? { pretrainedTheta: start.pretrained } : {}),
          }
        : {},
    );
    this.run.stepCount = start?.step ?? 0;
    this.thetaSource = start ? source : `random initialisation (seed ${config.seed})`;
    this.post({
      kind: 'ready',
      backend: this.backend,
      fallback,
      numParams: this.run.model.numParams,
      config: this.config,
      step: this.run.stepCount,
      thetaSource: this.thetaSource,
      resumed,
    });
  }

  private async setConfig(next: Experiment): Promise<void> {
    if (this.run && this.run.update(next)) {
      this.config = { ...next, hidden: [...next.hidden] };
      return;
    }
    // a new network: the page pauses (its 'ready' resets the run's readouts)
    this.running = false;
    this.rebuild(next, null, '');
    await this.probeWasm();
    this.post({
      kind: 'notice',
      level: 'info',
      message:
        'The network changed shape (ways, net, filters or seed): meta-training restarts from a new random θ (paused).',
    });
  }

  private loadTheta(text: string, source: string): void {
    const saved = decodeGlyphTheta(text);
    const base = this.config ?? saved.config;
    // the file fixes the network's shape and the inner loop it was meta-trained for
    const config: Experiment = {
      ...base,
      hidden: [...base.hidden],
      task: 'glyphs',
      ways: saved.config.ways,
      net: saved.config.net,
      filters: saved.config.filters,
      alpha: saved.config.alpha,
      inner: saved.config.inner,
      // Meta-SGD's rates come with its θ; without them it continues as MAML
      algo: saved.config.algo === 'metasgd' && !saved.alpha ? 'maml' : saved.config.algo,
    };
    const pretrained = saved.pretrained
      ? { theta: saved.pretrained.body, step: saved.pretrained.step }
      : null;
    this.rebuild(
      config,
      {
        theta: saved.theta,
        step: 0,
        ...(saved.alpha && config.algo === 'metasgd' ? { alpha: saved.alpha } : {}),
        ...(pretrained ? { pretrained } : {}),
      },
      `${source} (meta-step ${saved.step}${pretrained ? `; pretrained baseline: ${pretrained.step} steps` : ''})`,
    );
    this.post({
      kind: 'thetaLoaded',
      step: saved.step,
      config,
      source,
      pretrainedSteps: saved.pretrained?.step ?? null,
    });
  }

  private report(loss: number | null, pretrainedLoss: number | null, ms: number): void {
    if (!this.run) return;
    this.post({
      kind: 'progress',
      step: this.run.stepCount,
      running: this.running,
      loss,
      pretrainedLoss,
      msPerStep: ms,
      replayTo: this.replayTo,
    });
  }

  private async stepOnce(): Promise<void> {
    const run = this.run;
    if (!run) return;
    const t0 = performance.now();
    const { meta, pretrained } = run.step();
    try {
      const loss = (await meta.data())[0] ?? NaN;
      const p = pretrained ? ((await pretrained.data())[0] ?? NaN) : null;
      const ms = performance.now() - t0;
      if (this.replayTo !== null && run.stepCount >= this.replayTo) {
        this.replayTo = null;
        this.running = false;
      }
      this.report(loss, p, ms);
      this.timeWebgpu(ms);
    } finally {
      meta.dispose();
      pretrained?.dispose();
    }
  }

  /** The first WebGPU step compiles shaders: the second is compared with wasm's probe. */
  private timeWebgpu(ms: number): void {
    if (this.backend !== 'webgpu' || this.webgpuTimed >= 2) return;
    this.webgpuTimed += 1;
    if (this.webgpuTimed === 2) this.post({ kind: 'speed', webgpuMsPerStep: ms, wasmMsPerStep: this.wasmMs });
  }

  /** Train while running, one queued step at a time so requests interleave between steps. */
  private loop(): void {
    if (this.looping) return;
    this.looping = true;
    const tick = () => {
      if (!this.running || !this.run) {
        this.looping = false;
        return;
      }
      this.enqueue(() => this.stepOnce());
      void this.queue.then(() => setTimeout(tick, 0));
    };
    tick();
  }

  private rateOf(method: GlyphMethod): InnerRate {
    const run = this.run as GlyphRun;
    return method === 'maml' ? run.learner.innerRate() : (this.config as Experiment).alpha;
  }

  /** θ for each initialisation (the pretrained one with a fresh N-way head); caller disposes. */
  private startThetas(): Record<GlyphMethod, tf.Tensor> | null {
    const run = this.run;
    const config = this.config;
    if (!run || !config) return null;
    const head = run.model.init(Rng.stream(config.seed, 'fresh-head'));
    return tf.tidy(() => ({
      maml: tf.clone(run.learner.theta),
      pretrained: run.pretrainer ? run.pretrainer.withHead(run.model, head) : tf.clone(run.randomTheta),
      random: tf.clone(run.randomTheta),
    }));
  }

  private async evaluate(id: number, tasks: number, steps: number): Promise<void> {
    const run = this.run;
    const config = this.config;
    if (!run || !config) return;
    const curves = await run.evaluate({ tasks, steps, seed: config.seed, chunk: 5 });
    const pick = (m: GlyphMethod) => curves[m] ?? { accuracy: [], ci95: [], loss: [] };
    this.post({
      kind: 'eval',
      id,
      step: run.stepCount,
      tasks,
      steps,
      ways: config.ways,
      shots: config.k,
      curves: { maml: pick('maml'), pretrained: pick('pretrained'), random: pick('random') },
    });
  }

  /** Probabilities [steps + 1, B, N] on images xq after 0..steps inner steps on (xs, ys). */
  private async probabilityPath(
    theta: tf.Tensor,
    rate: InnerRate,
    xs: tf.Tensor5D,
    ys: tf.Tensor2D,
    xq: tf.Tensor5D,
    steps: number,
    ways: number,
  ): Promise<Float32Array> {
    const run = this.run as GlyphRun;
    const model = run.model;
    let p: tf.Tensor = tf.tidy(() => broadcastTasks(theta, 1));
    const out: tf.Tensor[] = [];
    for (let s = 0; ; s++) {
      out.push(
        tf.tidy(() => {
          const logits = model.apply(model.unflatten(p), xq);
          return softmax(tf.slice(logits, [0, 0, 0], [1, -1, ways]));
        }),
      );
      if (s === steps) break;
      const next = tf.tidy(() => classInnerStep(model, p, xs, ys, rate));
      p.dispose();
      p = next;
    }
    p.dispose();
    const stacked = tf.concat(out);
    tf.dispose(out);
    const data = (await stacked.data()) as Float32Array;
    stacked.dispose();
    return data;
  }

  private async showTask(id: number, counter: number, steps: number): Promise<void> {
    const run = this.run;
    const config = this.config;
    if (!run || !config) return;
    const rng = Rng.stream(config.seed, `glyph-view-task-${counter}`);
    const b = sampleGlyphBatch(
      rng,
      1,
      { split: 'test', ways: config.ways, shots: config.k, query: VIEW_QUERY },
      run.set,
    );
    const n = b.ways;
    const xs = tf.tensor5d(b.xs, [1, n * b.shots, S, S, 1]);
    const ys = tf.tensor2d(b.ys, [1, n * b.shots], 'int32');
    const xq = tf.tensor5d(b.xq, [1, n * b.query, S, S, 1]);
    const thetas = this.startThetas();
    if (!thetas) return;
    try {
      const probs = {} as Record<GlyphMethod, Float32Array>;
      for (const m of GLYPH_METHODS) {
        probs[m] = await this.probabilityPath(thetas[m], this.rateOf(m), xs, ys, xq, steps, n);
      }
      const names = Array.from(b.classes, (c) => {
        const g = run.set.glyphs[c];
        const a = g ? run.set.alphabets[g.alphabet] : undefined;
        return g ? `${a?.name ?? '?'} ${g.label}` : `class ${c}`;
      });
      this.post({
        kind: 'task',
        id,
        counter,
        step: run.stepCount,
        ways: n,
        shots: b.shots,
        query: b.query,
        steps,
        xs: b.xs,
        ys: b.ys,
        xq: b.xq,
        yq: b.yq,
        names,
        probs,
      });
    } finally {
      tf.dispose([xs, ys, xq, thetas.maml, thetas.pretrained, thetas.random]);
    }
  }

  private disposeAdapted(): void {
    if (this.adapted) tf.dispose([this.adapted.maml, this.adapted.random, this.adapted.support]);
    this.adapted = null;
  }

  private async adapt(id: number, ways: number, shots: number, images: Float32Array, steps: number) {
    const run = this.run;
    const config = this.config;
    if (!run || !config) return;
    if (ways > run.model.ways)
      throw new Error(`the network has ${run.model.ways} outputs, fewer than ${ways} classes`);
    const count = ways * shots;
    const labels = Int32Array.from({ length: count }, (_, i) => Math.floor(i / shots));
    const xs = tf.tensor5d(images, [1, count, S, S, 1]);
    const ys = tf.tensor2d(labels, [1, count], 'int32');
    const thetas = this.startThetas();
    if (!thetas) return;
    try {
      const adaptFrom = (theta: tf.Tensor, rate: InnerRate) => {
        let p: tf.Tensor = tf.tidy(() => broadcastTasks(theta, 1));
        for (let s = 0; s < steps; s++) {
          const next = tf.tidy(() => classInnerStep(run.model, p, xs, ys, rate));
          p.dispose();
          p = next;
        }
        return p;
      };
      const maml = adaptFrom(thetas.maml, this.rateOf('maml'));
      const random = adaptFrom(thetas.random, this.rateOf('random'));
      this.disposeAdapted();
      this.adapted = { id, ways, maml, random, support: tf.clone(xs) };
      const accuracy = async (p: tf.Tensor) => {
        const a = tf.tidy(() => {
          const logits = tf.slice(run.model.apply(run.model.unflatten(p), xs), [0, 0, 0], [1, -1, ways]);
          return tf.mean(tf.cast(tf.equal(tf.argMax(logits, -1), tf.cast(ys, 'int32')), 'float32'));
        });
        const v = (await a.data())[0] ?? NaN;
        a.dispose();
        return v;
      };
      this.post({
        kind: 'adapted',
        id,
        ways,
        steps,
        supportAccuracy: { maml: await accuracy(maml), random: await accuracy(random) },
      });
    } finally {
      tf.dispose([xs, ys, thetas.maml, thetas.pretrained, thetas.random]);
    }
  }

  private async classify(id: number, adaptId: number, image: Float32Array): Promise<void> {
    const run = this.run;
    const a = this.adapted;
    if (!run || !a || a.id !== adaptId) return;
    // the conv net's batch norm uses the batch's own statistics (as in meta-training), so one image
    // alone would be normalised to nothing: classify it in a batch with the support drawings
    const x = tf.tidy(() => tf.concat([a.support, tf.tensor5d(image, [1, 1, S, S, 1])], 1) as tf.Tensor5D);
    const last = x.shape[1] - 1;
    try {
      const probsOf = async (p: tf.Tensor) => {
        const t = tf.tidy(() =>
          softmax(tf.slice(run.model.apply(run.model.unflatten(p), x), [0, last, 0], [1, 1, a.ways])),
        );
        const d = (await t.data()) as Float32Array;
        t.dispose();
        return d;
      };
      this.post({
        kind: 'classified',
        id,
        adaptId,
        probs: { maml: await probsOf(a.maml), random: await probsOf(a.random) },
      });
    } finally {
      x.dispose();
    }
  }
}
