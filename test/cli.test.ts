import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');

function train(args: string[]) {
  return spawnSync(tsx, ['src/cli/train.ts', ...args], { encoding: 'utf8', timeout: 120_000 });
}

describe('train CLI', () => {
  it('trains from a share link and writes the documented JSON', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'maml-cli-')), 'out.json');
    const link = 'http://localhost:4173/?algo=fomaml&k=5&batch=4&step=99#theta=xyz';
    const r = train([
      '--config',
      link,
      '--steps',
      '30',
      '--eval-tasks',
      '20',
      '--eval-steps',
      '3',
      '--json',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/step 30\/30/);
    expect(r.stdout).toMatch(/First-order MAML/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.config).toMatchObject({ algo: 'fomaml', k: 5, query: 5, batch: 4 });
    expect(json.backend).toBe('wasm');
    expect(json.steps).toBe(30);
    expect(json.metaStepsPerSecond).toBeGreaterThan(0);
    expect(json.eval).toMatchObject({ tasks: 20, k: 5, innerSteps: [0, 1, 2, 3] });
    for (const m of ['maml', 'pretrained', 'random']) {
      expect(json.eval[m].mse).toHaveLength(4);
      expect(json.eval[m].ci95).toHaveLength(4);
    }
  });

  it.each([
    [['--steps', 'ten'], /--steps must be a whole number/],
    [['--backend', 'tpu'], /--backend must be one of wasm, cpu/],
    [['--frobnicate'], /unknown flag --frobnicate/],
    [['--config', 'algo=maml&lr=3'], /unknown parameters/],
    [['--json'], /--json needs a value/],
  ])('rejects %j with a one-line error and exit code 2', (args, message) => {
    const r = train(args);
    expect(r.status).toBe(2);
    const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(message);
  });

  it('refuses an invalid --config value with the same explanation a link gets, unless --lenient', () => {
    const r = train(['--config', 'task=mixtur', '--steps', '2']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/task=mixtur is not one of sinusoid, glyphs, mixture; using sinusoid/);
    const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(/--lenient/);
    expect(r.stderr).not.toMatch(/step 1\//);
    const lenient = train([
      '--config',
      'k=500',
      '--lenient',
      '--steps',
      '2',
      '--eval-tasks',
      '5',
      '--eval-steps',
      '1',
    ]);
    expect(lenient.status).toBe(0);
    expect(lenient.stderr).toMatch(/warning: k=500 is outside \[1, 50\]; clamped to 50/);
  });

  it('trains a function mixture from --config task=mixture', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'maml-cli-')), 'mix.json');
    const r = train([
      '--config',
      'task=mixture&mix=line,abs&k=5&batch=4',
      '--steps',
      '20',
      '--eval-tasks',
      '10',
      '--eval-steps',
      '2',
      '--json',
      out,
    ]);
    expect(r.status).toBe(0);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.query).toBe(
      'task=mixture&algo=maml&alpha=0.01&beta=0.001&inner=1&k=5&query=5&batch=4&hidden=40,40&mix=line,abs&seed=1',
    );
    expect(json.eval).toMatchObject({ tasks: 10, k: 5, innerSteps: [0, 1, 2] });
    expect(json.eval.maml.mse).toHaveLength(3);
  });
});
