import { describe, expect, it } from 'vitest';
import { parseExperiment, type Experiment } from '../src/core/experiment';
import { Rng } from '../src/core/random';
import { base64ToBytes, base64ToFloat32, bytesToBase64, float32ToBase64 } from '../src/core/runs/base64';
import { APP_VERSION } from '../src/core/runs/appVersion';
import { RunFileError } from '../src/core/runs/parseRunFile';
import { encodeRunFile, MAX_RUN_FILE_CHARS, runFileOf, type RunFile } from '../src/core/runs/runFile';
import { readRunFile, stateSizes } from '../src/core/runs/resume';
import type { AdamState, TrainingState } from '../src/core/runs/trainingState';
import packageJson from '../package.json';

const vec = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
const adam = (n: number, t = 3): AdamState => ({
  t,
  m: vec(n, (i) => i / 10 - 0.3),
  v: vec(n, (i) => i / 100),
});

/** A small valid state (sinusoid, hidden=[2]: 7 parameters) with awkward floats in it. */
function state(over: Partial<Experiment> = {}): TrainingState {
  const config = { ...parseExperiment('task=sinusoid&hidden=2&alpha=0.0123456789').config, ...over };
  const n = stateSizes(config).theta;
  const odd = [-0, 1e-45, 3.4028234663852886e38, -1.1754943508222875e-38, Math.fround(Math.PI)];
  return {
    config,
    engine: 'fused',
    step: 12,
    theta: vec(n, (i) => odd[i % odd.length] as number),
    thetaAdam: adam(n),
    alpha: config.algo === 'metasgd' ? vec(n, () => 0.01) : null,
    alphaAdam: config.algo === 'metasgd' ? adam(n) : null,
    pretrained: { theta: vec(n, (i) => -i), adam: adam(n, 12), step: 12 },
    stream: [123, -5, 2 ** 31 - 1, -(2 ** 31), 0.123456789],
  };
}

const file = (s = state()): RunFile =>
  runFileOf(s, {
    name: 'sine, β 0.001',
    createdAt: '2025-01-02T03:04:05.678Z',
    savedAt: new Date('2025-01-02T04:00:00Z'),
    backend: 'wasm',
    curves: [{ name: 'meta-loss', steps: [1, 2, 3], values: [3.5, 2.25, 1e-7] }],
  });

type Doc = Record<string, unknown> & { state: Record<string, unknown> };
const doc = (s?: TrainingState): Doc => JSON.parse(encodeRunFile(file(s))) as Doc;
const read = (d: unknown) => readRunFile(typeof d === 'string' ? d : JSON.stringify(d));

function rejects(d: unknown, message: RegExp): void {
  let error: unknown = null;
  try {
    read(d);
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${message}`).toBeInstanceOf(RunFileError);
  expect((error as Error).message).toMatch(message);
}

describe('base64 of little-endian float32', () => {
  it('matches the standard encoding for every length and byte, and decodes strictly', () => {
    const rng = new Rng(7, 'base64');
    for (let n = 0; n < 40; n++) {
      const b = Uint8Array.from({ length: n }, () => rng.int(256));
      const text = bytesToBase64(b);
      expect(text).toBe(Buffer.from(b).toString('base64'));
      expect(base64ToBytes(text)).toEqual(b);
    }
    const f = vec(5, (i) => [1, -0, 1e-45, NaN, -Infinity][i] as number);
    expect(float32ToBase64(f)).toBe(Buffer.from(f.buffer).toString('base64'));
    expect(Buffer.from(base64ToFloat32(float32ToBase64(f), 'x').buffer)).toEqual(Buffer.from(f.buffer));
    for (const bad of ['A', 'AB=C', 'AB==AAAA', '====', 'AAA*', 'AAAé', 'AA A'])
      expect(base64ToBytes(bad)).toBeNull();
    expect(() => base64ToFloat32('AAAA', 'This θ')).toThrow(/This θ is 3 bytes long/);
    expect(() => base64ToFloat32('AA-A', 'This θ')).toThrow(/This θ is not valid base64/);
  });
});

describe('the run file', () => {
  it('round-trips every bit, the exact settings, the curves and the metadata', () => {
    const original = file();
    const text = encodeRunFile(original);
    const back = readRunFile(text);
    expect(back).toEqual(original);
    const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(bits(back.state.theta)).toEqual(bits(original.state.theta));
    expect(Object.is(back.state.theta[0], -0)).toBe(true);
    expect(back.state.config.alpha).toBe(0.0123456789);
    expect(back.appVersion).toBe(packageJson.version);
    expect(APP_VERSION).toBe(packageJson.version);
    const d = JSON.parse(text);
    expect(d).toMatchObject({ format: 'maml-playground-run', version: 1, step: 12, engine: 'fused' });
    expect(d.config).toBe(
      'task=sinusoid&algo=maml&alpha=0.0123456789&beta=0.001&inner=1&k=10&query=10&batch=25&hidden=2&seed=1',
    );
    const metasgd = file(state({ algo: 'metasgd' }));
    expect(readRunFile(encodeRunFile(metasgd))).toEqual(metasgd);
  });

  it('refuses to write a diverged run or a broken curve', () => {
    const s = state();
    s.thetaAdam.v[2] = Infinity;
    expect(() => encodeRunFile(file(s))).toThrow(/not all finite \(the run diverged\)/);
    const f = file();
    f.curves.push({ name: 'eval', steps: [1], values: [NaN] });
    expect(() => encodeRunFile(f)).toThrow(/curve "eval"/);
  });

  it.each([
    ['an empty file', '', /This file is empty/],
    ['a truncated file', () => encodeRunFile(file()).slice(0, 200), /not valid JSON \(is it cut short\?\)/],
    ['plain JSON', '[1, 2]', /holds no JSON object/],
    ['a θ file', '{"format":"maml-playground-theta/1"}', /This is a θ file/],
    [
      'another format',
      '{"format":"tfjs-layers"}',
      /not a MAML Playground run file \(its format is "tfjs-layers"\)/,
    ],
    ['no format', '{"version":1}', /its format is missing/],
  ])('refuses %s', (_what, text, message) => rejects(typeof text === 'function' ? text() : text, message));

  it('refuses a file over the size limit before parsing it', () => {
    rejects(
      ' '.repeat(MAX_RUN_FILE_CHARS + 1),
      /This file is 64\.0 MB; run files larger than 64\.0 MB are refused/,
    );
    expect(() => readRunFile(42 as unknown as string)).toThrow(/could not be read as text/);
  });

  /** each edit changes a valid file's JSON (or returns the text to read instead) */
  const edits: [string, (d: Doc) => unknown, RegExp][] = [
    [
      'a newer version',
      (d) => (d.version = 2),
      /format version 2 .*by app version "0\.1\.0".*reads version 1: update/,
    ],
    ['a version that is not a number', (d) => (d.version = '1'), /version is "1", not a version number/],
    ['no app version', (d) => delete d.appVersion, /appVersion is missing, not text/],
    ['a name that is not text', (d) => (d.name = 5), /name is 5, not text/],
    ['an over-long name', (d) => (d.name = 'x'.repeat(201)), /name is 201 characters long \(at most 200\)/],
    ['a bad time', (d) => (d.savedAt = 'yesterday'), /savedAt "yesterday" is not an ISO 8601 time/],
    [
      'an impossible time',
      (d) => (d.createdAt = '2025-13-45T99:00:00Z'),
      /createdAt .* is not an ISO 8601 time/,
    ],
    ['no settings', (d) => delete d.config, /config is missing, not text/],
    [
      'invalid settings',
      (d) => (d.config = 'task=sinusoid&alpha=banana'),
      /settings are invalid: alpha=banana/,
    ],
    [
      'unknown settings',
      (d) => (d.config = 'task=sinusoid&lr=3'),
      /settings are invalid: unknown parameter "lr"/,
    ],
    ['a fractional step', (d) => (d.step = 2.5), /step is 2\.5, not a whole number/],
    ['a negative step', (d) => (d.step = -1), /step is -1, not a whole number/],
    ['an unknown engine', (d) => (d.engine = 'gpu'), /engine is "gpu", not tfjs or fused/],
    ['no state', (d) => delete (d as Record<string, unknown>).state, /state is missing, not an object/],
    ['θ that is not base64', (d) => (d.state.theta = 'AAAA!AAA'), /This run file's θ is not valid base64/],
    ['θ of broken floats', (d) => (d.state.theta = 'AAAA'), /θ is 3 bytes long/],
    [
      'θ of the wrong length',
      (d) => (d.state.theta = float32ToBase64(vec(6, () => 1))),
      /θ has 6 numbers but its settings need 7/,
    ],
    [
      'θ with NaN',
      (d) => (d.state.theta = float32ToBase64(vec(7, (i) => (i === 3 ? NaN : 1)))),
      /θ contains NaN at position 3/,
    ],
    [
      'θ with Infinity',
      (d) => (d.state.theta = float32ToBase64(vec(7, (i) => (i ? 1 : -Infinity)))),
      /θ contains -Infinity at position 0/,
    ],
    ['no Adam state', (d) => delete d.state.thetaAdam, /θ Adam state is missing, not an object/],
    [
      'a fractional Adam step',
      (d) => ((d.state.thetaAdam as Record<string, unknown>).t = 0.5),
      /θ Adam state\.t is 0\.5/,
    ],
    [
      'short Adam moments',
      (d) => ((d.state.thetaAdam as Record<string, unknown>).m = float32ToBase64(vec(2, () => 0))),
      /θ Adam first moment has 2 numbers but its settings need 7/,
    ],
    [
      'a negative second moment',
      (d) =>
        ((d.state.thetaAdam as Record<string, unknown>).v = float32ToBase64(
          vec(7, (i) => (i === 4 ? -1 : 0)),
        )),
      /θ Adam second moment is negative at position 4/,
    ],
    [
      'α for a MAML run',
      (d) => (
        (d.state.alpha = float32ToBase64(vec(7, () => 0.01))),
        (d.state.alphaAdam = JSON.parse(JSON.stringify(d.state.thetaAdam)))
      ),
      /has a learned α, which only Meta-SGD runs have \(its algorithm is maml\)/,
    ],
    [
      'a Meta-SGD run without α',
      (d) => (d.config = String(d.config).replace('algo=maml', 'algo=metasgd')),
      /uses Meta-SGD but has no learned α/,
    ],
    [
      'no α field at all',
      (d) => delete d.state.alpha,
      /has no state\.alpha \(it should be null when there is none\)/,
    ],
    [
      'a pretrained θ of the wrong length',
      (d) => ((d.state.pretrained as Record<string, unknown>).theta = float32ToBase64(vec(8, () => 0))),
      /pretrained θ has 8 numbers but its settings need 7/,
    ],
    [
      'a pretrained step that is not a number',
      (d) => ((d.state.pretrained as Record<string, unknown>).step = null),
      /state\.pretrained\.step is null/,
    ],
    [
      'a stream of three words',
      (d) => (d.state.stream = [1, 2, 3]),
      /task-stream position is not a generator state/,
    ],
    [
      'a stream of text',
      (d) => (d.state.stream = ['1', 2, 3, 4]),
      /state\.stream is not a task-stream position/,
    ],
    [
      'a stream with a fraction',
      (d) => (d.state.stream = [1.5, 2, 3, 4]),
      /task-stream position is not a generator state/,
    ],
    ['curves that are not a list', (d) => (d.curves = {}), /curves are an object, not a list/],
    ['a curve without a name', (d) => (d.curves = [{ steps: [], values: [] }]), /curve 1's name is missing/],
    [
      'a curve of mismatched lengths',
      (d) => (d.curves = [{ name: 'm', steps: [1, 2], values: [1] }]),
      /curve "m" has 2 steps but 1 values/,
    ],
    [
      'a curve with a fractional step',
      (d) => (d.curves = [{ name: 'm', steps: [1.5], values: [1] }]),
      /curve "m" has steps that are not whole numbers/,
    ],
    // JSON has no Infinity: a number too large for a double parses as one
    [
      'a curve with an infinite value',
      (d) =>
        JSON.stringify({ ...d, curves: [{ name: 'm', steps: [1], values: [1] }] }).replace(
          '"values":[1]',
          '"values":[1e999]',
        ),
      /curve "m" has values that are not finite/,
    ],
    [
      'too many curves',
      (d) => (d.curves = Array.from({ length: 65 }, () => ({ name: 'm', steps: [], values: [] }))),
      /65 curves \(at most 64\)/,
    ],
  ];
  it.each(edits)('refuses %s', (_what, edit, message) => {
    const d = doc();
    const text = edit(d);
    rejects(typeof text === 'string' && text.startsWith('{') ? text : d, message);
  });

  it('refuses a run of another family where only one opens, and a glyph θ sized for another network', () => {
    expect(() => readRunFile(encodeRunFile(file()), { tasks: ['glyphs'] })).toThrow(
      /This run file is a sinusoid regression run; here only glyph classification runs open/,
    );
    const d = doc();
    const glyphs = 'task=glyphs&ways=2&filters=4';
    d.config = glyphs;
    const sizes = stateSizes(parseExperiment(glyphs).config);
    rejects(d, new RegExp(`θ has 7 numbers but its settings need ${sizes.theta.toLocaleString('en-US')}`));
  });

  it('survives 1,000 mutated files: each one is read or refused with a RunFileError', () => {
    const text = encodeRunFile(file(state({ algo: 'metasgd' })));
    const rng = new Rng(2024, 'fuzz');
    const alphabet = '{}[]":,0123456789-+.eEaAtruefalsn =/\\';
    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      let t = text;
      for (let k = 0, edits = 1 + rng.int(4); k < edits; k++) {
        const at = rng.int(t.length);
        const kind = rng.int(4);
        if (kind === 0) t = t.slice(0, at) + t.slice(at + 1 + rng.int(8));
        else if (kind === 1) t = t.slice(0, at) + alphabet[rng.int(alphabet.length)] + t.slice(at + 1);
        else if (kind === 2) t = t.slice(0, at) + alphabet[rng.int(alphabet.length)] + t.slice(at);
        else t = t.slice(0, at);
      }
      try {
        const back = readRunFile(t);
        expect(back.state.theta.length).toBe(7);
      } catch (e) {
        expect(e, String(e)).toBeInstanceOf(RunFileError);
        refused += 1;
      }
    }
    expect(refused).toBeGreaterThan(500);
  });
});
