/**
 * The main thread while the worker trains, 30 s per backend, many times over:
 *   npm run soak:longtasks -- [--runs 10] [--json out.json] [--only wasm]
 * Runs e2e/longtasks.soak.ts (auto, tfjs wasm, tfjs cpu, the glyph lab) and
 * e2e/longtasks.webgpu.soak.ts (WebGPU on the software adapter) `--runs` times each in the system
 * Chromium, one browser at a time, and reports for each check how many runs passed (no
 * main-thread task over 50 ms) and the longest task of every run. `--only` keeps the checks whose
 * title contains it. Not part of `npm test`: it takes about 50 s a run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptFlags } from './scriptFlags.mjs';

const { option, count } = scriptFlags(
  ['runs', 'json', 'only'],
  'npm run soak:longtasks -- [--runs 10] [--json out.json] [--only wasm]',
);
const runs = count('runs', 10);
const json = option('json', null);
const only = option('only', null);

const report = join(mkdtempSync(join(tmpdir(), 'soak-')), 'report.json');
const args = [
  'playwright',
  'test',
  '--project',
  'soak',
  '--project',
  'soak-webgpu',
  '--repeat-each',
  String(runs),
  '--reporter',
  'list,json',
];
if (only) args.push('--grep', only.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
const run = spawnSync('npx', args, {
  stdio: 'inherit',
  env: { ...process.env, LONGTASKS_SOAK: '1', PLAYWRIGHT_JSON_OUTPUT_FILE: report },
});
let parsed;
try {
  parsed = JSON.parse(readFileSync(report, 'utf8'));
} catch {
  process.stderr.write(`the soak wrote no report (playwright exited with ${run.status})\n`);
  process.exit(1);
}

/** Every test result in the report, with its title and what it printed. */
function* results(suite) {
  for (const spec of suite.specs ?? []) {
    for (const t of spec.tests) for (const r of t.results) yield { title: spec.title, result: r };
  }
  for (const child of suite.suites ?? []) yield* results(child);
}

const checks = new Map();
for (const suite of parsed.suites) {
  for (const { title, result } of results(suite)) {
    const out = (result.stdout ?? []).map((s) => s.text ?? '').join('');
    const m = /longest main-thread task over [\d.]+ s of training: (\d+(?:\.\d+)?) ms \((\d+) steps\)/.exec(
      out,
    );
    const check = checks.get(title) ?? {
      check: title,
      runs: 0,
      passed: 0,
      longestMs: [],
      steps: [],
      failures: [],
    };
    check.runs += 1;
    if (result.status === 'passed') check.passed += 1;
    else check.failures.push((result.error?.message ?? result.status).split('\n')[0].slice(0, 200));
    if (m) {
      check.longestMs.push(Number(m[1]));
      check.steps.push(Number(m[2]));
    }
    checks.set(title, check);
  }
}
const summary = [...checks.values()].map((c) => ({
  ...c,
  worstMs: c.longestMs.length ? Math.max(...c.longestMs) : null,
}));
process.stdout.write('\ncheck | passed | longest task per run (ms) | worst\n');
for (const c of summary) {
  process.stdout.write(
    `${c.check} | ${c.passed} of ${c.runs} | ${c.longestMs.join(', ')} | ${c.worstMs ?? '-'}\n`,
  );
}
if (json) {
  writeFileSync(
    json,
    `${JSON.stringify({ date: new Date().toISOString(), runsEach: runs, checks: summary }, null, 2)}\n`,
  );
}
process.exitCode = summary.every((c) => c.passed === c.runs) && summary.length > 0 ? 0 : 1;
