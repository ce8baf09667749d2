import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const train = (args: string[]) =>
  spawnSync(tsx, ['src/cli/train.ts', ...args], { encoding: 'utf8', timeout: 120_000 });

/** Twelve curves of 10 points, a table no built-in family has. */
const curves = () => {
  const rows = ['id,t,v'];
  for (let c = 0; c < 12; c++)
    for (let i = 0; i < 10; i++) rows.push(`c${c},${i},${Math.cos(i / 3 + c).toFixed(4)}`);
  return `${rows.join('\n')}\n`;
};

describe('--save-run --embed-data', () => {
  it('writes the data into the run file, so --resume trains on it without --tasks; a changed byte is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'embed-'));
    const table = join(dir, 'curves.csv');
    writeFileSync(table, curves());
    const hash = createHash('sha256').update(curves()).digest('hex');
    const run = join(dir, 'run.json');
    const common = ['--steps', '3', '--eval-tasks', '4', '--eval-steps', '1'];
    const first = train([
      '--config',
      'task=sheet&k=3',
      '--tasks',
      table,
      '--save-run',
      run,
      '--embed-data',
      ...common,
    ]);
    expect(first.status, first.stderr).toBe(0);
    const out = join(dir, 'out.json');
    const resumed = train(['--resume', run, '--json', out, ...common]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`the run file's data (curves.csv) has SHA-256 ${hash}`);
    expect((JSON.parse(readFileSync(out, 'utf8')) as { dataHash: string; step: number }).dataHash).toBe(hash);

    const doc = JSON.parse(readFileSync(run, 'utf8')) as { data: { base64: string } };
    doc.data.base64 = `AAAA${doc.data.base64.slice(4)}`;
    writeFileSync(run, JSON.stringify(doc));
    const bad = train(['--resume', run, ...common]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/has SHA-256 [0-9a-f]{64}, not the [0-9a-f]{64} the file states/);

    const lone = train(['--config', 'task=sheet', '--embed-data', ...common]);
    expect(lone.status).toBe(2);
    expect(lone.stderr).toContain('--embed-data needs --save-run');
  }, 240_000);
});
