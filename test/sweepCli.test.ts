import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const run = (script: string, args: string[]) =>
  spawnSync(tsx, [script, ...args], { encoding: 'utf8', timeout: 180_000 });

/** A process to completion: its status and stderr. */
function runAsync(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(tsx, ['src/cli/sweep.ts', ...args], { env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

// a small map: 2 cells of 40 meta-steps, scored on 30 held-out tasks
const AXES = [
  '--config',
  'batch=5&seed=3',
  '--x',
  'alpha=0.005..0.05:log:2',
  '--steps',
  '40',
  '--eval-tasks',
  '30',
];

describe('sweep CLI', () => {
  it('a map from separate cell processes equals the one-process map byte for byte, and a cell equals npm run train', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maml-sweep-'));
    const plan = join(dir, 'plan.json');
    const whole = join(dir, 'whole.json');
    const merged = join(dir, 'merged.json');
    expect(run('src/cli/sweep.ts', [...AXES, '--plan', plan]).status).toBe(0);
    // one cell by --cell, one by Slurm's array index, at the same time
    const cells = await Promise.all([
      runAsync(['--plan', plan, '--cell', '0'], {}),
      runAsync(['--plan', plan], { SLURM_ARRAY_TASK_ID: '1' }),
    ]);
    for (const c of cells) expect(c.status, c.stderr).toBe(0);
    const m = run('src/cli/sweep.ts', ['--plan', plan, '--merge', '--json', merged]);
    expect(m.status, m.stderr).toBe(0);
    const w = run('src/cli/sweep.ts', [...AXES, '--workers', '2', '--json', whole]);
    expect(w.status, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/one-step MSE on 30 held-out tasks/);
    expect(readFileSync(merged, 'utf8')).toBe(readFileSync(whole, 'utf8'));

    const map = JSON.parse(readFileSync(whole, 'utf8'));
    const cell = map.cells[1];
    expect(cell.diverged).toBe(false);
    const out = join(dir, 'train.json');
    const t = run('src/cli/train.ts', [
      ...['--config', cell.query, '--steps', '40', '--eval-tasks', '30', '--eval-steps', '1'],
      ...['--no-pretrained', '--json', out],
    ]);
    expect(t.status, t.stderr).toBe(0);
    const trained = JSON.parse(readFileSync(out, 'utf8'));
    expect(trained.engine).toBe('fused');
    expect([cell.metric, cell.ci95, cell.finalMetaLoss]).toEqual([
      trained.eval.maml.mse[1],
      trained.eval.maml.ci95[1],
      trained.finalMetaLoss,
    ]);
  });

  it('refuses a grid larger than 8x8 with the reason, after explaining the other faults', () => {
    const r = run('src/cli/sweep.ts', [
      ...['--x', 'beta=0.01..0.001:log:2', '--y', 'alpha=0.001..0.3:log:12', '--plan', '/dev/null'],
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/beta: range 0.01..0.001 is reversed; using 0.001..0.01\n/);
    expect(r.stderr).toMatch(/error: sweep refused: alpha asks for 12 values; a map has at most 8 per axis/);
  });
});
