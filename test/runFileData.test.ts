import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/core/data/csv/importTable';
import { parseExperiment } from '../src/core/experiment';
import { RunFileError } from '../src/core/runs/parseRunFile';
import { readRunFile, stateSizes } from '../src/core/runs/resume';
import { encodeRunFile, runFileOf, type RunData } from '../src/core/runs/runFile';
import type { TrainingState } from '../src/core/runs/trainingState';

const vec = (n: number) => Float32Array.from({ length: n }, (_, i) => i / 7);

function state(): TrainingState {
  const config = parseExperiment('task=sinusoid&hidden=2').config;
  const n = stateSizes(config).theta;
  return {
    config,
    engine: 'fused',
    step: 3,
    theta: vec(n),
    thetaAdam: { t: 3, m: vec(n), v: vec(n) },
    alpha: null,
    alphaAdam: null,
    pretrained: null,
    stream: [1, 2, 3, 4],
  };
}

async function data(): Promise<RunData> {
  const bytes = new TextEncoder().encode('task,x,y\na,1,2\nb,3,4\n');
  return { name: 'curves.csv', hash: await sha256Hex(bytes), bytes };
}

function refused(text: string, message: RegExp): void {
  expect(() => readRunFile(text)).toThrow(RunFileError);
  expect(() => readRunFile(text)).toThrow(message);
}

describe('a run file that embeds its data', () => {
  it('carries the bytes, name and hash through a write and a read', async () => {
    const d = await data();
    const back = readRunFile(encodeRunFile(runFileOf(state(), { data: d })));
    expect(back.data?.name).toBe('curves.csv');
    expect(back.data?.hash).toBe(d.hash);
    expect(Array.from(back.data?.bytes ?? [])).toEqual(Array.from(d.bytes));
    expect(await sha256Hex(back.data!.bytes)).toBe(d.hash);
    expect(readRunFile(encodeRunFile(runFileOf(state()))).data).toBeUndefined();
  });

  it('refuses a hostile data field with one line', async () => {
    const doc = JSON.parse(encodeRunFile(runFileOf(state(), { data: await data() }))) as {
      data: Record<string, unknown>;
    };
    const with_ = (over: Record<string, unknown>) =>
      JSON.stringify({ ...doc, data: { ...doc.data, ...over } });
    refused(with_({ sha256: 'abc' }), /data\.sha256 .* not 64 hex digits/);
    refused(with_({ base64: '***' }), /data\.base64 is not base64/);
    refused(with_({ name: 7 }), /data\.name is 7, not text/);
    refused(JSON.stringify({ ...doc, data: [] }), /data is a list, not an object/);
  });
});
