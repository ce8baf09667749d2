/**
 * Messages between the glyph lab and its worker (few-shot glyph classification). Separate from the
 * sinusoid trainer's protocol: the glyph worker owns a GlyphRun and answers image-level requests
 * (a task's predictions after each inner step, adaptation to the user's drawings).
 * Images are 28×28 floats in [0, 1], row-major, concatenated.
 */
import type { Experiment } from '../../core/experiment';
import type { AutoChoice, BackendName, BackendRequest } from '../protocol';

/** The initialisations the glyph lab compares. */
export const GLYPH_METHODS = ['maml', 'pretrained', 'random'] as const;
export type GlyphMethod = (typeof GLYPH_METHODS)[number];

export interface AccuracyCurveData {
  /** mean query accuracy after 0..steps inner steps */
  accuracy: number[];
  ci95: number[];
  loss: number[];
}

export type ToGlyphWorker =
  | { kind: 'init'; config: Experiment; backend: BackendRequest; wasmPath: string }
  | { kind: 'play' }
  /** a share link: meta-train to step `to` (deterministic from the seed), then pause */
  | { kind: 'replay'; to: number }
  | { kind: 'pause' }
  | { kind: 'step' }
  | { kind: 'reset' }
  | { kind: 'config'; config: Experiment }
  /** continue the run (θ, the baselines, the step) on another backend */
  | { kind: 'backend'; request: BackendRequest }
  /** the text of a saved θ file (public/glyph-init.json) */
  | { kind: 'loadTheta'; text: string; source: string }
  | { kind: 'evaluate'; id: number; tasks: number; steps: number }
  /** sample the `counter`-th view task of the seed (held-out alphabets) and predict after 0..steps */
  | { kind: 'showTask'; id: number; counter: number; steps: number }
  /**
   * adapt MAML θ and the random θ to the user's drawings: `ways` classes × `shots` images each,
   * ordered by class (image c·shots + i is drawing i of class c)
   */
  | { kind: 'adapt'; id: number; ways: number; shots: number; images: Float32Array; steps: number }
  /** classify one drawing with the networks adapted by adapt `adaptId` */
  | { kind: 'classify'; id: number; adaptId: number; image: Float32Array };

export type FromGlyphWorker =
  | {
      kind: 'ready';
      backend: BackendName;
      fallback: string | null;
      numParams: number;
      config: Experiment;
      step: number;
      /** where θ came from: "random initialisation (seed 1)" or the θ file */
      thetaSource: string;
      /** the same run continued (a backend switch): the page keeps its curves */
      resumed: boolean;
      /** still training (a run moved by auto mode); absent means paused */
      running?: boolean;
    }
  /** auto mode: meta-steps/s of each backend on this network, and the one training moved to */
  | {
      kind: 'benchmark';
      choice: AutoChoice;
    }
  /** on WebGPU: its second meta-step against wasm timed beside it (null when wasm could not start) */
  | { kind: 'speed'; webgpuMsPerStep: number; wasmMsPerStep: number | null }
  | {
      kind: 'progress';
      step: number;
      running: boolean;
      /** meta-training query loss of this step (after the inner steps) */
      loss: number | null;
      pretrainedLoss: number | null;
      /** wall time of the latest meta-step in the worker */
      msPerStep: number;
      /** the step a share link's replay is heading for, or null */
      replayTo: number | null;
    }
  | {
      kind: 'eval';
      id: number;
      step: number;
      tasks: number;
      steps: number;
      ways: number;
      shots: number;
      curves: Record<GlyphMethod, AccuracyCurveData>;
    }
  | {
      kind: 'task';
      id: number;
      counter: number;
      step: number;
      ways: number;
      shots: number;
      query: number;
      steps: number;
      /** support images [N·K, 784], labels [N·K] (by class) */
      xs: Float32Array;
      ys: Int32Array;
      /** query images [N·Q, 784], labels [N·Q] */
      xq: Float32Array;
      yq: Int32Array;
      /** the glyph behind each label, e.g. "Cyrillic Ж" */
      names: string[];
      /** per method: class probabilities [steps + 1, N·Q, N] */
      probs: Record<GlyphMethod, Float32Array>;
    }
  | {
      kind: 'adapted';
      id: number;
      ways: number;
      steps: number;
      /** support accuracy of each adapted network (how well it fits the user's own drawings) */
      supportAccuracy: Record<'maml' | 'random', number>;
    }
  | {
      kind: 'classified';
      id: number;
      adaptId: number;
      /** class probabilities [N] after adaptation, per initialisation */
      probs: Record<'maml' | 'random', Float32Array>;
    }
  | {
      kind: 'thetaLoaded';
      step: number;
      config: Experiment;
      source: string;
      /** the file's pretrained baseline and its training steps, or null (the baseline starts untrained) */
      pretrainedSteps: number | null;
    }
  | { kind: 'notice'; level: 'info' | 'warning'; message: string }
  | { kind: 'error'; fatal: boolean; message: string };

export function glyphTransferables(msg: FromGlyphWorker): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (a: Float32Array | Int32Array) => {
    if (a.buffer instanceof ArrayBuffer && !out.includes(a.buffer)) out.push(a.buffer);
  };
  if (msg.kind === 'task') {
    [msg.xs, msg.ys, msg.xq, msg.yq, msg.probs.maml, msg.probs.pretrained, msg.probs.random].forEach(add);
  } else if (msg.kind === 'classified') {
    add(msg.probs.maml);
    add(msg.probs.random);
  }
  return out;
}
