/**
 * The glyph lab speaks in its own terms (ToGlyphWorker / FromGlyphWorker); the worker is the one
 * host every family shares. This translates between the two: lab requests become the shared
 * messages or the glyph family's `family` requests, and the host's shared reports become the
 * lab's (one progress per step, WebGPU's timing as seconds per step).
 */
import type { FromGlyphWorker, ToGlyphWorker } from '../../worker/families/glyphProtocol';
import type { FromWorker, ToWorker } from '../../worker/protocol';

export function toWorker(msg: ToGlyphWorker): ToWorker {
  switch (msg.kind) {
    case 'init':
      return { ...msg, resume: null, replayTo: null, view: null, evalTasks: 0 };
    case 'evaluate':
      return { kind: 'evaluate', tasks: msg.tasks, steps: msg.steps, id: msg.id };
    case 'showTask':
    case 'adapt':
    case 'classify':
      return { kind: 'family', request: msg };
    default:
      return msg;
  }
}

/** The lab's messages for one host message (none for what the lab does not show). */
export function fromWorker(msg: FromWorker): FromGlyphWorker[] {
  switch (msg.kind) {
    case 'ready':
      return [
        {
          kind: 'ready',
          backend: msg.backend,
          fallback: msg.fallback,
          numParams: msg.numParams,
          config: msg.config,
          step: msg.step,
          thetaSource: msg.thetaSource,
          resumed: msg.resumed,
          running: msg.running,
        },
      ];
    case 'benchmark': {
      if (msg.choice) return [{ kind: 'benchmark', choice: msg.choice }];
      const { webgpu, wasm } = msg.rates;
      if (webgpu === undefined) return [];
      return [{ kind: 'speed', webgpuMsPerStep: 1000 / webgpu, wasmMsPerStep: wasm ? 1000 / wasm : null }];
    }
    case 'progress': {
      const n = msg.losses.length;
      const ms = msg.stepsPerSec > 0 ? 1000 / msg.stepsPerSec : 0;
      const one = (i: number | null): FromGlyphWorker => ({
        kind: 'progress',
        step: i === null ? msg.step : msg.step - n + 1 + i,
        running: msg.running,
        loss: i === null ? null : (msg.losses[i] ?? null),
        pretrainedLoss: i === null ? null : (msg.pretrainedLosses?.[i] ?? null),
        msPerStep: ms,
        replayTo: msg.replayTo,
      });
      return n === 0 ? [one(null)] : Array.from({ length: n }, (_, i) => one(i));
    }
    case 'family': {
      const r = msg.reply;
      if (r.kind === 'glyphEval') return [{ ...r, kind: 'eval' }];
      if (r.kind === 'task' || r.kind === 'adapted' || r.kind === 'classified') return [r];
      return [];
    }
    case 'thetaLoaded':
    case 'notice':
    case 'error':
      return [msg];
    case 'rewind':
      return msg.reason ? [{ kind: 'notice', level: 'info', message: msg.reason }] : [];
    case 'diverged':
      return [{ kind: 'notice', level: 'warning', message: msg.message }];
    default:
      return [];
  }
}
