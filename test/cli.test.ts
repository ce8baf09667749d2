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
});
