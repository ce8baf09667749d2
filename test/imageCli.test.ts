import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticFiles, zipOf } from './syntheticImages';

const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');

function train(args: string[]) {
  return spawnSync(tsx, ['src/cli/train.ts', ...args], { encoding: 'utf8', timeout: 240_000 });
}

describe('train CLI --images', () => {
  it('trains on a zip in Omniglot’s layout and prints the evaluation table; a non-zip is one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'maml-images-'));
    const zip = join(dir, 'images_background.zip');
    writeFileSync(zip, zipOf(syntheticFiles({ alphabets: 4, characters: 5, images: 4, side: 40 })));
    const out = join(dir, 'out.json');
    const config = 'task=imageclasses&ways=3&k=1&query=2&batch=2&filters=4';
    const args = [
      '--config',
      config,
      '--images',
      zip,
      '--steps',
      '3',
      '--eval-tasks',
      '4',
      '--eval-steps',
      '1',
    ];
    const r = train([...args, '--json', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/imported 20 classes, 80 images \(sha256 [0-9a-f]{64}\)/);
    expect(r.stderr).toMatch(/split \(omniglot\): 15 classes for meta-training, 5 held out; 90° rotations/);
    expect(r.stderr).toMatch(/engine: fused WebAssembly meta-step/);
    expect(r.stdout).toMatch(/Accuracy on 4 .*3-way 1-shot/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.eval.maml.accuracy).toHaveLength(2);
    // the engine that trained and evaluated, read before the run is disposed
    expect(json.engine).toBe('fused');
    expect(json.images).toMatchObject({
      classes: 20,
      images: 80,
      split: { protocol: 'omniglot', train: 15, test: 5 },
    });
    expect(json.images.sha256).toMatch(/^[0-9a-f]{64}$/);
    const csv = join(dir, 'curves.csv');
    writeFileSync(csv, 'task,x,y\n1,2,3\n');
    const bad = train(['--config', config, '--images', csv, '--steps', '1']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe(
      `error: --images ${csv}: not a zip archive (give a .zip or a folder of class folders)`,
    );
    // no --images at all: one line and exit 2, no stack
    const none = train(['--config', config, '--steps', '1']);
    expect(none.status).toBe(2);
    expect(none.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      'error: no image classes are loaded: the CLI takes them with --images <folder or .zip>, the page with its "Import images" panel',
    ]);
    expect(none.stderr).not.toMatch(/ at /);
  }, 480_000);
});
