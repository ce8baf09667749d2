/**
 * The glyph lab's session: starts the glyph worker (the sinusoid trainer is never started on this
 * page), looks for the shipped meta-trained θ (public/glyph-init.json), and turns the worker's
 * messages into glyph-store updates.
 */
import { parseExperiment, type Experiment } from '../../core/experiment';
import { rasterizeDrawing } from '../../core/families/glyphs/data/rasterize';
import type { FromGlyphWorker, ToGlyphWorker } from '../../worker/families/glyphProtocol';
import type { FromWorker } from '../../worker/protocol';
import { fromWorker, toWorker } from './glyphWire';
import { useStore } from '../store';
import { writeAddressBar, type GlyphStart, type PageLink } from '../url';
import { installGlyphPort, useGlyphStore, type Drawing, type GlyphPort } from './glyphStore';

const store = useGlyphStore;
export const SHIPPED_THETA_URL = './glyph-init.json';
/** meta-steps between the quick evaluations made while training */
export const LIVE_EVAL_EVERY = 50;

function sameShape(a: Experiment, b: Experiment): boolean {
  return a.ways === b.ways && a.net === b.net && a.filters === b.filters;
}

class GlyphSession implements GlyphPort {
  private worker: Worker | null = null;
  /** the link asks for: where to start and the step to replay to */
  private from: GlyphStart | null = null;
  private replay: number | null = null;
  /** the shipped θ was looked for (and whether it fits the link's network) */
  private shippedChecked = false;
  private shippedFits = false;
  private started = false;
  private launched = false;

  start(link: PageLink): void {
    store.setState({ config: link.config, backendRequest: link.backend });
    this.from = link.from;
    this.replay = link.step;
    const worker = new Worker(new URL('../../worker/trainer.worker.ts', import.meta.url), {
      type: 'module',
      name: 'maml-trainer',
    });
    this.worker = worker;
    worker.onmessage = (e: MessageEvent<FromWorker>) => {
      for (const m of fromWorker(e.data)) this.receive(m);
    };
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      store.setState({ phase: 'failed', running: false });
      useStore.getState().notify('error', 'The glyph worker failed', [e.message || 'unknown error']);
    };
    installGlyphPort(this);
    this.send({
      kind: 'init',
      config: link.config,
      backend: link.backend,
      wasmPath: new URL('tfjs/', document.baseURI).href,
    });
    void this.checkShipped(link.config);
  }

  private async checkShipped(config: Experiment): Promise<void> {
    try {
      const res = await fetch(SHIPPED_THETA_URL, { cache: 'no-cache' });
      // a static server may answer a missing file with the page itself
      if (!res.ok || !(res.headers.get('content-type') ?? '').includes('json')) throw new Error('not found');
      const text = await res.text();
      const raw = JSON.parse(text) as { query?: unknown; step?: unknown };
      if (typeof raw.query !== 'string') throw new Error('not a θ file');
      const saved = parseExperiment(raw.query).config;
      store.setState({
        shipped: {
          state: 'available',
          text,
          step: typeof raw.step === 'number' ? raw.step : 0,
          query: raw.query,
        },
      });
      this.shippedFits = saved.task === 'glyphs' && sameShape(saved, config);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      store.setState({ shipped: { state: 'missing', why } });
    }
    this.shippedChecked = true;
    this.launch();
  }

  /**
   * Once the worker is up and the shipped θ was looked for: load it (the page's default, or what
   * the link asks for, when it fits), then replay a share link's steps. The worker runs requests
   * in order, so the replay starts from the loaded θ.
   */
  private launch(): void {
    if (this.launched || !this.started || !this.shippedChecked) return;
    this.launched = true;
    const s = store.getState();
    if (this.from !== 'random' && this.shippedFits && s.phase === 'ready' && s.step === 0) {
      s.loadShipped();
    } else if (this.from === 'shipped') {
      useStore
        .getState()
        .notify('warning', 'This link starts from the shipped meta-trained θ, which does not fit here', [
          s.shipped.state === 'missing'
            ? `the page has no shipped θ (${s.shipped.why})`
            : 'the shipped θ was trained for a different network (ways, net or filters)',
          'it replays from the random initialisation instead, which gives a different run',
        ]);
    }
    if (this.replay !== null) {
      store.setState({ replayTo: this.replay });
      this.send({ kind: 'replay', to: this.replay });
    }
  }

  send(msg: ToGlyphWorker): void {
    this.worker?.postMessage(toWorker(msg));
  }

  configChanged(config: Experiment, backend: Parameters<typeof writeAddressBar>[1]): void {
    writeAddressBar(config, backend);
  }

  rasterize(d: Drawing): Float32Array {
    return rasterizeDrawing(d);
  }

  private receive(msg: FromGlyphWorker): void {
    const s = store.getState();
    switch (msg.kind) {
      case 'ready': {
        store.setState({
          phase: 'ready',
          backend: msg.backend,
          backendNote: msg.fallback ?? (msg.resumed ? null : s.backendNote),
          numParams: msg.numParams,
          config: msg.config,
          step: msg.step,
          thetaSource: msg.thetaSource,
          running: msg.running ?? false,
          msPerStep: null,
          speed: null,
          adapted: null,
          classified: null,
          // a backend switch continues the same run: its curves (and where it started) stay
          ...(msg.resumed
            ? {}
            : {
                losses: [],
                lossVersion: s.lossVersion + 1,
                evalHistory: [],
                evaluation: null,
                start: 'random' as const,
                replayBreak: null,
                share: null,
              }),
        });
        if (!this.started) {
          this.started = true;
          this.launch();
        }
        if (store.getState().phase === 'ready') {
          s.refreshTask();
          s.evaluate();
        }
        break;
      }
      case 'thetaLoaded':
        store.setState({ start: 'shipped' });
        writeAddressBar(msg.config, s.backendRequest);
        useStore
          .getState()
          .notify(
            'info',
            `Loaded ${msg.source}: meta-trained for ${msg.step} steps` +
              (msg.pretrainedSteps !== null
                ? `, with the pretrained baseline trained beside it for ${msg.pretrainedSteps} steps.`
                : '; the file has no pretrained baseline, so that one starts untrained.') +
              ' Reset meta-trains from scratch.',
          );
        break;
      case 'benchmark':
        store.setState({ backend: msg.choice.winner.backend, autoChoice: msg.choice });
        break;
      case 'speed':
        store.setState({ speed: { webgpu: msg.webgpuMsPerStep, wasm: msg.wasmMsPerStep } });
        break;
      case 'progress': {
        const losses =
          msg.loss !== null
            ? [...s.losses, { step: msg.step, loss: msg.loss, pretrained: msg.pretrainedLoss }]
            : s.losses;
        store.setState({
          step: msg.step,
          running: msg.replayTo !== null ? msg.running : s.running && msg.running,
          replayTo: msg.replayTo,
          msPerStep: msg.msPerStep > 0 ? msg.msPerStep : s.msPerStep,
          losses,
          lossVersion: s.lossVersion + (msg.loss !== null ? 1 : 0),
        });
        if (s.replayTo !== null && msg.replayTo === null && !msg.running) {
          // a share link's replay arrived at its step: show the task and accuracy there
          s.refreshTask();
          s.evaluate();
          break;
        }
        // a quick held-out evaluation now and then gives the learning curve its accuracy points
        if (msg.running && msg.loss !== null && msg.step % LIVE_EVAL_EVERY === 0 && !s.evalBusy) s.evaluate();
        break;
      }
      case 'eval': {
        const last = (c: { accuracy: number[] }) => c.accuracy[c.accuracy.length - 1] ?? NaN;
        const history = s.evalHistory.filter((p) => p.step !== msg.step);
        history.push({
          step: msg.step,
          maml: last(msg.curves.maml),
          pretrained: last(msg.curves.pretrained),
          random: last(msg.curves.random),
        });
        history.sort((a, b) => a.step - b.step);
        store.setState({ evaluation: msg, evalHistory: history, evalBusy: false });
        break;
      }
      case 'task':
        if (msg.counter === s.taskCounter) {
          store.setState({ task: msg, viewStep: Math.min(s.viewStep, msg.steps) });
        }
        break;
      case 'adapted':
        store.setState({ adapted: msg, adaptBusy: false, adaptStale: false, classified: null });
        if (s.testDrawing.length > 0) s.setTestDrawing(s.testDrawing);
        break;
      case 'classified':
        if (msg.adaptId === s.adapted?.id) store.setState({ classified: msg });
        break;
      case 'notice':
        useStore.getState().notify(msg.level, msg.message);
        break;
      case 'error':
        store.setState({ adaptBusy: false, evalBusy: false });
        if (msg.fatal) store.setState({ phase: 'failed', running: false });
        useStore.getState().notify(msg.fatal ? 'error' : 'warning', `Glyph worker: ${msg.message}`);
        break;
    }
  }
}

export const glyphSession = new GlyphSession();

/** Open the glyph lab from the page link: the link's warnings as a notice, then the worker. */
export function openGlyphLab(link: PageLink): void {
  if (link.warnings.length > 0) {
    useStore
      .getState()
      .notify(
        'warning',
        'This link had values that could not be used as given. The page changed them as follows:',
        link.warnings,
      );
  }
  writeAddressBar(link.config, link.backend);
  glyphSession.start(link);
}
