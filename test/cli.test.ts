import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
    expect(r.stderr).toMatch(
      /task=mixtur is not one of sinusoid, glyphs, mixture, imageclasses, nav2d, sheet; using sinusoid/,
    );
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

describe('train CLI run files', () => {
  const small = ['--config', 'hidden=8,8&batch=3&k=4&beta=0.01', '--eval-tasks', '5', '--eval-steps', '1'];
  const read = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
  /** what must match to the bit: settings, step, engine, every state vector (base64), curves */
  const exact = (run: Record<string, unknown>) => ({
    config: run.config,
    step: run.step,
    engine: run.engine,
    state: run.state,
    curves: run.curves,
  });
  const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error:'));

  it.each([
    ['fused (auto)', []],
    ['tfjs', ['--engine', 'tfjs']],
  ])(
    '--steps 6 --save-run, then --resume --steps 4, equals --steps 10 to the bit (%s engine)',
    (_engine, engine) => {
      const dir = mkdtempSync(join(tmpdir(), 'maml-run-'));
      const [a, b, c] = ['a', 'b', 'c'].map((n) => join(dir, `${n}.json`)) as [string, string, string];
      const first = train([...small, ...engine, '--steps', '6', '--save-run', a]);
      expect(first.status, first.stderr).toBe(0);
      expect(first.stderr).toMatch(/wrote the run \(meta-step 6\)/);
      const resumed = train([
        ...small.slice(2),
        ...engine,
        '--resume',
        a,
        '--steps',
        '4',
        '--save-run',
        b,
        '--json',
        `${b}.out`,
      ]);
      expect(resumed.status, resumed.stderr).toBe(0);
      expect(resumed.stderr).toMatch(/resuming .*a\.json at meta-step 6/);
      expect(resumed.stderr).not.toMatch(/note:/);
      const straight = train([...small, ...engine, '--steps', '10', '--save-run', c, '--json', `${c}.out`]);
      expect(straight.status, straight.stderr).toBe(0);
      const [rb, rc] = [read(b), read(c)];
      expect(rb.step).toBe(10);
      expect(rb.engine).toBe(engine.length ? 'tfjs' : 'fused');
      expect(rb.curves[0].steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(exact(rb)).toEqual(exact(rc));
      expect(rb.createdAt).toBe(read(a).createdAt);
      const [ob, oc] = [read(`${b}.out`), read(`${c}.out`)];
      expect(ob).toMatchObject({ steps: 4, step: 10 });
      expect(ob.finalMetaLoss).toBe(oc.finalMetaLoss);
      expect(ob.eval).toEqual(oc.eval);
    },
  );

  it('--resume refuses conflicting settings, other θ flags and bad files with one line and exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'maml-run-'));
    const a = join(dir, 'a.json');
    expect(train([...small, '--steps', '2', '--save-run', a]).status).toBe(0);
    const conflict = train(['--resume', a, '--config', 'beta=0.02', '--steps', '1']);
    expect(conflict.status).toBe(2);
    expect(conflict.stderr).toMatch(/--config beta=0\.02 \(the run file has 0\.01\)/);
    expect(errorLines(conflict.stderr)).toHaveLength(1);
    expect(errorLines(conflict.stderr)[0]).toMatch(/conflicts with the run file's settings.*--lenient/);
    const network = train(['--resume', a, '--config', 'hidden=8,9', '--lenient', '--steps', '1']);
    expect(network.status).toBe(2);
    expect(errorLines(network.stderr)[0]).toMatch(/hidden layers changed to 8,9.*start a new run/);
    const init = train(['--resume', a, '--init', a]);
    expect(init.status).toBe(2);
    expect(errorLines(init.stderr)[0]).toMatch(/--resume cannot be combined with --init/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, readFileSync(a, 'utf8').replace(/"theta":"[^"]{16}/, '"theta":"'));
    const bad = train(['--resume', broken]);
    expect(bad.status).toBe(2);
    expect(errorLines(bad.stderr)).toEqual([
      `error: --resume ${broken}: This run file's θ has 94 numbers but its settings need 97`,
    ]);
    const missing = train(['--resume', join(dir, 'nope.json')]);
    expect(errorLines(missing.stderr)[0]).toMatch(/cannot read it \(no such file\)/);
    // the same settings repeated are no conflict; --lenient applies a live change from the resumed step
    const same = train([
      '--resume',
      a,
      '--config',
      'beta=0.01&hidden=8,8',
      '--steps',
      '1',
      ...small.slice(2),
    ]);
    expect(same.status, same.stderr).toBe(0);
    const lenient = train([
      '--resume',
      a,
      '--config',
      'beta=0.02',
      '--lenient',
      '--steps',
      '1',
      ...small.slice(2),
    ]);
    expect(lenient.status, lenient.stderr).toBe(0);
    expect(lenient.stderr).toMatch(/continuing with the changed settings above from step 2/);
  });

  it('Ctrl-C saves the run after the current meta-step (exit 130), and it resumes to the bit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maml-run-'));
    const [cut, resumed, straight] = ['cut', 'resumed', 'straight'].map((n) => join(dir, `${n}.json`)) as [
      string,
      string,
      string,
    ];
    const args = [...small, '--engine', 'tfjs'];
    // node with tsx's loader, signalled directly: the CLI's own handling, without the tsx parent
    // process (which relays a terminal's Ctrl-C, and kills a child that is slow to see it)
    const cli = ['--import', 'tsx', 'src/cli/train.ts', ...args, '--steps', '1000000', '--save-run', cut];
    const child = spawn(process.execPath, cli);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const status = await new Promise<number | null>((resolve) => {
      const poll = setInterval(() => {
        if (!/engine:/.test(stderr)) return;
        clearInterval(poll);
        setTimeout(() => child.kill('SIGINT'), 1000);
      }, 50);
      child.on('exit', (code) => resolve(code));
    });
    expect(status, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted: saving the run after this meta-step/);
    const step = read(cut).step as number;
    expect(step).toBeGreaterThan(0);
    expect(read(cut).curves[0].steps).toHaveLength(step);
    expect(train(['--resume', cut, '--steps', '3', '--save-run', resumed, ...small.slice(2)]).status).toBe(0);
    expect(train([...args, '--steps', String(step + 3), '--save-run', straight]).status).toBe(0);
    expect(exact(read(resumed))).toEqual(exact(read(straight)));
  });
});
