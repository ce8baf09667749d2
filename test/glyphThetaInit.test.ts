import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
import { glyphThetaFile, glyphThetaSaved } from '../src/core/export/glyphTheta';
import { metaClassifierFor } from '../src/core/families/glyphs/metaNet';
import { isStepNorm } from '../src/core/families/glyphs/stepNorm';
import { LSLR_STEPS } from '../src/core/meta/mamlppSchedule';
import { Rng } from '../src/core/random';
import { base64ToFloat32 } from '../src/core/runs/base64';

/**
 * `npm run train -- --init` with the glyph lab's θ file of a MAML++ run: a MAML++ run starts from
 * its θ (batch-norm sets included) and its rates; a MAML run from the network's own part, and says so.
 */

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const link = 'task=glyphs&ways=3&k=1&query=2&batch=2&filters=4&inner=2';
const mamlpp = parseExperiment(`${link}&algo=mamlpp`).config;

function train(args: string[]) {
  return spawnSync(tsx, ['src/cli/train.ts', ...args], { encoding: 'utf8', timeout: 120_000 });
}

/** A MAML++ glyph θ file with distinct θ and rates, written to a temporary folder. */
function mamlppFile(): { path: string; theta: Float32Array; rates: Float32Array } {
  const model = metaClassifierFor(mamlpp);
  if (!isStepNorm(model)) throw new Error('not a MAML++ net');
  const theta = model.init(new Rng(5, 'glyph-theta-init'));
  const rates = Float32Array.from({ length: LSLR_STEPS * model.rateSizes.length }, (_, i) => 0.3 + i / 1000);
  const path = join(mkdtempSync(join(tmpdir(), 'maml-glyph-init-')), 'theta.json');
  writeFileSync(path, JSON.stringify(glyphThetaFile(mamlpp, 7, theta, null, rates)));
  return { path, theta, rates };
}

/** θ and the learned rates of a run file `--save-run` wrote. */
function runState(path: string): { theta: Float32Array; alpha: Float32Array | null; step: number } {
  const f = JSON.parse(readFileSync(path, 'utf8')) as {
    step: number;
    state: { theta: string; alpha: string | null };
  };
  return {
    step: f.step,
    theta: base64ToFloat32(f.state.theta, 'θ'),
    alpha: f.state.alpha ? base64ToFloat32(f.state.alpha, 'α') : null,
  };
}

const quiet = [
  '--steps',
  '0',
  '--no-pretrained',
  '--eval-tasks',
  '2',
  '--eval-steps',
  '1',
  '--engine',
  'tfjs',
];

describe('--init with a MAML++ glyph θ file', () => {
  it('reads as a saved θ with its rates', () => {
    const { path, theta, rates } = mamlppFile();
    const saved = glyphThetaSaved(readFileSync(path, 'utf8'));
    expect(saved.config.algo).toBe('mamlpp');
    expect(saved.step).toBe(7);
    expect(Array.from(saved.theta)).toEqual(Array.from(theta));
    expect(Array.from(saved.rates!)).toEqual(Array.from(rates));
  });

  it('a MAML++ run restores θ, sets and rates; a MAML run takes the network’s own θ and says so', () => {
    const { path, theta, rates } = mamlppFile();
    const dir = mkdtempSync(join(tmpdir(), 'maml-glyph-init-run-'));
    const a = join(dir, 'a.json');
    const same = train(['--config', `${link}&algo=mamlpp`, '--init', path, ...quiet, '--save-run', a]);
    expect(same.status, same.stderr).toBe(0);
    expect(same.stderr).toMatch(/with MAML\+\+'s learned rates/);
    const s = runState(a);
    expect(s.step).toBe(7);
    expect(Array.from(s.theta)).toEqual(Array.from(theta));
    expect(Array.from(s.alpha!)).toEqual(Array.from(rates));
    const b = join(dir, 'b.json');
    const plain = train(['--config', `${link}&algo=maml`, '--init', path, ...quiet, '--save-run', b]);
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(
      /θ fitted to algo=maml \(the network's own part, without MAML\+\+'s batch-norm sets\)/,
    );
    const base = metaClassifierFor({ ...mamlpp, algo: 'maml' }).numParams;
    expect(Array.from(runState(b).theta)).toEqual(Array.from(theta.subarray(0, base)));
  });
});
