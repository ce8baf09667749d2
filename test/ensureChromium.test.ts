import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** scripts/ensure-chromium.mjs, the browser tests' set-up, run as `npm run test:e2e` runs it. */
const script = fileURLToPath(new URL('../scripts/ensure-chromium.mjs', import.meta.url));
const missing = '/nonexistent/chromium-for-the-test';

function run(env: Record<string, string>) {
  const r = spawnSync(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('ensure-chromium', () => {
  it('a present browser: nothing to do, status 0', () => {
    const r = run({ CHROMIUM_PATH: process.execPath });
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).toBe('');
  });

  it('missing, not root: stops at once with the one command to run', () => {
    const r = run({ CHROMIUM_PATH: missing, ENSURE_CHROMIUM_UID: '1000' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(missing);
    expect(r.stderr).toContain('sudo apt-get update && sudo apt-get install -y chromium');
    expect(r.stderr).not.toContain('playwright install');
    expect(r.stdout).toBe('');
  });

  it('missing, as root: installs Debian chromium non-interactively (dry run)', () => {
    const r = run({ CHROMIUM_PATH: missing, ENSURE_CHROMIUM_UID: '0', ENSURE_CHROMIUM_DRY_RUN: '1' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('ensure-chromium: apt-get update\n');
    expect(r.stdout).toContain('ensure-chromium: apt-get install -y chromium\n');
  });
});
