/**
 * The browser tests' set-up: they run Debian's Chromium ($CHROMIUM_PATH, else /usr/bin/chromium, as
 * playwright.config.ts chooses it), never a downloaded browser. When it is missing: as root, install
 * Debian's `chromium` package (non-interactive apt-get); otherwise stop at once (exit status 1) with
 * the one command to run.
 *
 * Test hooks: ENSURE_CHROMIUM_UID stands in for the process's user id, and ENSURE_CHROMIUM_DRY_RUN=1
 * prints the install commands instead of running them.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
export const INSTALL_STEPS = [
  ['apt-get', ['update']],
  ['apt-get', ['install', '-y', 'chromium']],
];
export const INSTALL_COMMAND = 'sudo apt-get update && sudo apt-get install -y chromium';

/** What to do, from the facts alone: 'ok' (present), 'install' (root) or 'stop' (anyone else). */
export function chromiumPlan({ path, present, uid }) {
  if (present) return { action: 'ok', path };
  if (uid === 0) return { action: 'install', path };
  return {
    action: 'stop',
    path,
    message:
      `The browser tests need Chromium at ${path}, which is missing. Install Debian's package:\n` +
      `  ${INSTALL_COMMAND}\n` +
      (path === DEFAULT_CHROMIUM ? '' : `(or point CHROMIUM_PATH at an installed Chromium)\n`),
  };
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function userId(env) {
  if (env.ENSURE_CHROMIUM_UID !== undefined) return Number(env.ENSURE_CHROMIUM_UID);
  return typeof process.getuid === 'function' ? process.getuid() : -1;
}

function install(dryRun) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const [cmd, args] of INSTALL_STEPS) {
    process.stdout.write(`ensure-chromium: ${cmd} ${args.join(' ')}\n`);
    if (dryRun) continue;
    const r = spawnSync(cmd, args, { env, stdio: 'inherit' });
    if (r.status !== 0) return false;
  }
  return true;
}

function main(env) {
  const path = env.CHROMIUM_PATH || DEFAULT_CHROMIUM;
  const plan = chromiumPlan({ path, present: executable(path), uid: userId(env) });
  if (plan.action === 'ok') return 0;
  if (plan.action === 'stop') {
    process.stderr.write(plan.message);
    return 1;
  }
  process.stdout.write(`ensure-chromium: ${path} is missing; installing Debian's chromium\n`);
  const dryRun = env.ENSURE_CHROMIUM_DRY_RUN === '1';
  if (!install(dryRun)) {
    process.stderr.write(`ensure-chromium: the install failed; run: ${INSTALL_COMMAND}\n`);
    return 1;
  }
  if (dryRun || executable(path)) return 0;
  process.stderr.write(`ensure-chromium: installed, but ${path} is still missing; set CHROMIUM_PATH\n`);
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exit(main(process.env));
}
