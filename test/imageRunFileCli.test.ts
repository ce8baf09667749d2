import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadFusedGlyph } from '../src/core/engines/fusedGlyph/wasmModule';
import { setLoadedImageClasses } from '../src/core/data/images/loaded';
import { parseExperiment } from '../src/core/experiment';
import type { FamilyRun } from '../src/core/families/family';
import { familyOf } from '../src/core/families/registry';
import { readRunFile } from '../src/core/runs/resume';
import { embeddedData, holdData } from '../src/worker/host/runData';
import { openRunFile, writeRunFile } from '../src/worker/runFiles';
import { copy, startBackend } from './helpers';
import { syntheticFiles, zipOf } from './syntheticImages';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const train = (args: string[]) =>
  spawnSync(tsx, ['src/cli/train.ts', ...args], { encoding: 'utf8', timeout: 240_000 });

const CONFIG = 'task=imageclasses&ways=3&k=1&query=2&batch=2&filters=4';
const EVAL = { tasks: 4, steps: 1, seed: 2017 };

async function steps(run: FamilyRun, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const { meta, pretrained } = await (run.stepAsync?.() ?? run.step());
    meta.dispose();
    pretrained?.dispose();
  }
}

/**
 * The page's worker path: an imported archive trained two meta-steps on the fused engine and
 * downloaded with the data embedded (`writeRunFile` with `embeddedData`, as the download does).
 */
async function pageRunFile(zip: Uint8Array): Promise<string> {
  const config = parseExperiment(CONFIG).config;
  const family = familyOf('imageclasses');
  await family.loadTaskFile!(zip, config);
  holdData('imageclasses', 'images_background.zip', zip);
  const run = family.createRun(config, { engine: 'fused' });
  expect(run.engine).toBe('fused');
  await steps(run, 2);
  const data = await embeddedData('imageclasses');
  const opts = { curves: [], name: null, createdAt: null, backend: 'wasm' as const, data };
  const { text } = await writeRunFile(run, opts);
  run.dispose();
  return text;
}

describe('a page-made image run file in the CLI', () => {
  beforeAll(async () => {
    await startBackend('wasm');
    await loadFusedGlyph();
  });
  afterEach(() => setLoadedImageClasses(null));

  it('resumes with --resume alone (no --images) and gives the numbers the page gives', async () => {
    const zip = zipOf(syntheticFiles({ alphabets: 4, characters: 4, images: 4, side: 40 }));
    const text = await pageRunFile(zip);
    const dir = mkdtempSync(join(tmpdir(), 'image-run-'));
    const pagePath = join(dir, 'page.run.json');
    writeFileSync(pagePath, text);

    // the page opens its own file on a fresh worker (no classes loaded) and trains two more steps
    setLoadedImageClasses(null);
    const opened = await openRunFile(text, 'imageclasses', 'fused');
    await steps(opened.run, 2);
    const pageTheta = await copy(opened.run.learner.theta);
    const pageEval = (await opened.run.evaluateReport(EVAL)).json;
    opened.run.dispose();

    const out = join(dir, 'out.json');
    const after = join(dir, 'after.run.json');
    const common = ['--eval-tasks', '4', '--eval-steps', '1', '--eval-seed', '2017'];
    const cli = train(['--resume', pagePath, '--steps', '2', '--json', out, '--save-run', after, ...common]);
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stderr).toContain("the run file's data (images_background.zip) has SHA-256");
    expect(cli.stderr).toContain('resuming');
    const json = JSON.parse(readFileSync(out, 'utf8')) as { step: number; engine: string; eval: unknown };
    expect(json.step).toBe(4);
    expect(json.engine).toBe('fused');
    expect(json.eval).toEqual(pageEval);
    const saved = readRunFile(readFileSync(after, 'utf8'), { tasks: ['imageclasses'] });
    expect(Array.from(saved.state.theta)).toEqual(Array.from(pageTheta));
    // the CLI's file still carries the archive, so it moves on whole: it resumes again
    expect(saved.data?.name).toBe('images_background.zip');
    const onward = train(['--resume', after, '--steps', '1', ...common]);
    expect(onward.status, onward.stderr).toBe(0);

    // a download without the data resumes with the archive given again (--images)
    const doc = JSON.parse(text) as Record<string, unknown>;
    delete doc.data;
    const bare = join(dir, 'bare.run.json');
    writeFileSync(bare, JSON.stringify(doc));
    const zipPath = join(dir, 'images_background.zip');
    writeFileSync(zipPath, zip);
    const out2 = join(dir, 'out2.json');
    const again = train(['--resume', bare, '--images', zipPath, '--steps', '2', '--json', out2, ...common]);
    expect(again.status, again.stderr).toBe(0);
    expect((JSON.parse(readFileSync(out2, 'utf8')) as { eval: unknown }).eval).toEqual(pageEval);
    const missing = train(['--resume', bare, '--steps', '1', ...common]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no image classes are loaded');

    // the CLI's own --images run embeds the archive too (--embed-data), and resumes on it alone
    const embedded = join(dir, 'embedded.run.json');
    const made = train([
      '--config',
      CONFIG,
      '--images',
      zipPath,
      '--steps',
      '1',
      '--save-run',
      embedded,
      '--embed-data',
      ...common,
    ]);
    expect(made.status, made.stderr).toBe(0);
    const resumedAlone = train(['--resume', embedded, '--steps', '1', ...common]);
    expect(resumedAlone.status, resumedAlone.stderr).toBe(0);
    expect(resumedAlone.stderr).toContain("the run file's data (images_background.zip) has SHA-256");
  }, 300_000);
});
