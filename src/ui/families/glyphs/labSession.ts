/**
 * The glyph lab's part of the page session: it looks for the shipped meta-trained θ
 * (public/glyph-init.json) and loads it when the link allows, replays a share link's steps from
 * where the link says the run started, asks for a quick held-out evaluation now and then, and turns
 * the glyph family's replies (a task's predictions, accuracy curves, the drawing pad's answers)
 * into store updates.
 */
import { parseExperiment, type Experiment } from '../../../core/experiment';
import type { FamilyReply, FromWorker } from '../../../worker/protocol';
import type { SessionPart } from '../../shell/family';
import { send } from '../../shell/port';
import { useLabStore } from './labStore';
import { metaStepReady, metaStepReply, metaStepRewind } from '../../shell/metaStep';
import type { PageLink } from '../../shell/url';
import { LIVE_EVAL_TASKS, LiveEvalPacer } from './liveEval';

const store = useLabStore;
export const SHIPPED_THETA_URL = './glyph-init.json';
/**
 * The paper's network (4 blocks of 64 filters, 5-way) has its own shipped θ, meta-trained with the
 * paper's settings (docs/benchmarks.md#glyphs-paper); 1.2 MB, so only a link asking for that
 * network fetches it (and the offline cache does not hold it).
 */
export const PAPER_THETA_URL = './glyph-init-paper.json';

/** The shipped θ file for a link's network: the paper's for its network, else the page default's. */
export function shippedThetaUrl(config: Experiment): string {
  return config.net === 'conv' && config.filters === 64 && config.ways === 5
    ? PAPER_THETA_URL
    : SHIPPED_THETA_URL;
}

function sameShape(a: Experiment, b: Experiment): boolean {
  return a.ways === b.ways && a.net === b.net && a.filters === b.filters;
}

class LabSession implements SessionPart {
  /** the link asks for: where to start and the step to replay to */
  private from: string | null = null;
  private replayTo: number | null = null;
  /** the shipped θ was looked for (and whether it fits the link's network) */
  private shippedChecked = false;
  private shippedFits = false;
  private started = false;
  private launched = false;
  /** the shipped θ is being loaded because the page opened (not because someone asked) */
  private openingLoad = false;
  /** the quick held-out evaluations made while training */
  private readonly live = new LiveEvalPacer();

  init() {
    return { view: null, evalTasks: 0 };
  }

  opened(link: PageLink): void {
    this.from = link.from;
    this.replayTo = link.step;
    void this.checkShipped(link.config);
  }

  private async checkShipped(config: Experiment): Promise<void> {
    try {
      const res = await fetch(shippedThetaUrl(config), { cache: 'no-cache' });
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
      this.shippedFits = saved.task === config.task && sameShape(saved, config);
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
    // a run this browser saved is continued instead (the session opens it)
    const resumed = s.resuming || s.step > 0;
    // the shipped θ's steps count: a run from it continues at its meta-step (2000)
    let from = 0;
    if (!resumed && this.from !== 'random' && this.shippedFits && s.phase === 'ready') {
      this.openingLoad = true;
      s.loadShipped();
      from = s.shipped.state === 'available' ? s.shipped.step : 0;
      // links made before the steps continued counted them from the shipped θ
      if (this.replayTo !== null && this.replayTo < from) this.replayTo += from;
    } else if (!resumed && this.from === 'shipped') {
      s.notify('warning', 'This link starts from the shipped meta-trained θ, which does not fit here', [
        s.shipped.state === 'missing'
          ? `the page has no shipped θ (${s.shipped.why})`
          : 'the shipped θ was trained for a different network (ways, net or filters)',
        'it replays from the random initialisation instead, which gives a different run',
      ]);
    }
    if (this.replayTo !== null) {
      store.setState({ replay: { target: this.replayTo, from }, running: true });
      send({ kind: 'replay', to: this.replayTo });
    }
  }

  ready(msg: Extract<FromWorker, { kind: 'ready' }>): void {
    const s = store.getState();
    this.live.reset();
    metaStepReady(msg);
    store.setState({
      running: msg.running,
      adapted: null,
      classified: null,
      // a backend switch continues the same run: its curves (and where it started) stay
      ...(msg.resumed
        ? {}
        : { accuracyHistory: [], glyphEval: null, start: 'random' as const, replayBreak: null, share: null }),
    });
    if (!this.started) {
      this.started = true;
      this.launch();
    }
    if (store.getState().phase === 'ready') {
      s.refreshGlyphTask();
      s.evaluateGlyphs();
    }
  }

  progress(msg: Extract<FromWorker, { kind: 'progress' }>): void {
    const s = store.getState();
    // a quick held-out evaluation now and then gives the learning curve its accuracy points
    if (this.live.due(msg.step, msg.losses.length, msg.running, s.glyphEvalBusy))
      s.evaluateGlyphs(LIVE_EVAL_TASKS);
  }

  replayDone(): void {
    // a share link's replay arrived at its step: show the task and accuracy there
    const s = store.getState();
    s.refreshGlyphTask();
    s.evaluateGlyphs();
  }

  thetaLoaded(): 'quiet' | void {
    store.setState({ start: 'shipped' });
    const quiet = this.openingLoad;
    this.openingLoad = false;
    if (quiet) return 'quiet';
  }

  reply(reply: FamilyReply): void {
    if (metaStepReply(reply)) return;
    const s = store.getState();
    switch (reply.kind) {
      case 'glyphEval': {
        const last = (c: { accuracy: number[] }) => c.accuracy[c.accuracy.length - 1] ?? NaN;
        const history = s.accuracyHistory.filter((p) => p.step !== reply.step);
        history.push({
          step: reply.step,
          maml: last(reply.curves.maml),
          pretrained: last(reply.curves.pretrained),
          random: last(reply.curves.random),
        });
        history.sort((a, b) => a.step - b.step);
        // (the curves so far, until every task asked for is scored)
        store.setState({
          glyphEval: reply,
          accuracyHistory: history,
          glyphEvalBusy: reply.tasks < reply.asked,
        });
        if (reply.tasks >= reply.asked) this.live.finished();
        break;
      }
      case 'task':
        if (reply.counter === s.taskCounter) {
          store.setState({ glyphTask: reply, viewStep: Math.min(s.viewStep, reply.steps) });
        }
        break;
      case 'adapted':
        store.setState({ adapted: reply, adaptBusy: false, adaptStale: false, classified: null });
        if (s.testDrawing.length > 0) s.setTestDrawing(s.testDrawing);
        break;
      case 'classified':
        if (reply.adaptId === s.adapted?.id) store.setState({ classified: reply });
        break;
      default:
        break;
    }
  }

  rewind(step: number, fresh: boolean): void {
    const s = store.getState();
    metaStepRewind(step);
    store.setState({ accuracyHistory: fresh ? [] : s.accuracyHistory.filter((p) => p.step <= step) });
  }

  error(): void {
    this.live.reset();
    store.setState({ adaptBusy: false, glyphEvalBusy: false });
  }
}

export const labSession = new LabSession();
