/**
 * The PyTorch glyph peer (scripts/peer/maml_glyphs.py) from Node: finding an interpreter that
 * imports torch, writing the peer's data file (θ and a pool of glyph meta-batches, the file format
 * the script's docstring gives), and the peer as a glyph bench contender (serve mode, one process
 * per thread count). The project does not depend on torch: without it the peer is skipped with
 * the reason.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Experiment } from '../../../core/experiment';
import { CONV_DEFAULTS } from '../../../core/models/glyphNets';
import type { GlyphBatch } from '../../../core/families/glyphs/data/sampler';
import type { GlyphBenchCase, GlyphContender, GlyphContenderKind } from './contenders';

export const GLYPH_PEER_SCRIPT = fileURLToPath(
  new URL('../../../../scripts/peer/maml_glyphs.py', import.meta.url),
);

export interface TorchPython {
  python: string;
  torch: string;
}

/** Whether `python` imports torch: its version, or why not. */
function probe(python: string): TorchPython | { skipped: string } {
  const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  const version = r.status === 0 ? r.stdout.trim() : '';
  // a directory named torch without the package imports as an empty namespace: no version
  if (version !== '' && version !== 'None') return { python, torch: version };
  return { skipped: `${python} cannot import torch` };
}

/**
 * The interpreter for the peer: PEER_PYTHON when set (and only it), else /opt/peer/bin/python,
 * else python3, the first that imports torch; or why none does.
 */
export function findTorchPython(env: NodeJS.ProcessEnv = process.env): TorchPython | { skipped: string } {
  const given = env.PEER_PYTHON;
  if (given) {
    const r = probe(given);
    return 'skipped' in r ? { skipped: `PEER_PYTHON=${given} cannot import torch` } : r;
  }
  for (const python of ['/opt/peer/bin/python', 'python3']) {
    const r = probe(python);
    if (!('skipped' in r)) return r;
  }
  return { skipped: 'neither /opt/peer/bin/python nor python3 imports torch (set PEER_PYTHON)' };
}

/** The conv net of a glyph config, as the peer's data file names it. */
export function peerNet(config: Experiment): {
  ways: number;
  filters: number;
  blocks: number;
  batchNorm: boolean;
} {
  if (config.net !== 'conv') throw new Error('the glyph peer implements the conv net only');
  return {
    ways: config.ways,
    filters: config.filters,
    blocks: CONV_DEFAULTS.blocks,
    batchNorm: CONV_DEFAULTS.batchNorm,
  };
}

const base64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/**
 * Writes θ and meta-batches in the peer's data file format (--data and --check read it); `net`
 * defaults to the conv net the glyph config builds.
 */
export function writePeerData(
  path: string,
  config: Experiment,
  theta: Float32Array,
  batches: readonly GlyphBatch[],
  net: ReturnType<typeof peerNet> = peerNet(config),
): void {
  const doc = {
    net,
    algo: config.algo,
    alpha: config.alpha,
    inner: config.inner,
    theta: base64(theta),
    batches: batches.map((b) => ({
      tasks: b.tasks,
      shots: b.shots,
      query: b.query,
      xs: base64(b.xs),
      ys: Array.from(b.ys),
      xq: base64(b.xq),
      yq: Array.from(b.yq),
    })),
  };
  writeFileSync(path, JSON.stringify(doc));
}

/** The peer script's configuration flags for a glyph config. */
export function peerFlags(config: Experiment): string[] {
  const flags = [
    ['--ways', config.ways],
    ['--k', config.k],
    ['--query', config.query],
    ['--batch', config.batch],
    ['--filters', config.filters],
    ['--algo', config.algo],
    ['--inner', config.inner],
    ['--alpha', config.alpha],
    ['--beta', config.beta],
  ];
  return flags.flatMap(([k, v]) => [String(k), String(v)]);
}

/** A serve-mode peer process: `run N` times N meta-steps. */
async function servePeer(
  python: string,
  c: GlyphBenchCase,
  threads: number,
): Promise<{ request(n: number): Promise<number>; close(): void }> {
  const args = [GLYPH_PEER_SCRIPT, '--serve', '--data', c.dataFile(), '--threads', String(threads)];
  const child = spawn(python, [...args, ...peerFlags(c.config), '--warmup', '3'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const line = await lines.next();
    if (line.done) throw new Error('the PyTorch glyph peer exited early');
    return JSON.parse(line.value) as Record<string, unknown>;
  };
  await next(); // ready: warm-up done
  return {
    async request(n) {
      child.stdin.write(`run ${n}\n`);
      return Number((await next()).metaStepsPerSecond);
    },
    close: () => child.stdin.end(),
  };
}

/** The PyTorch peer on `threads` CPU threads as a bench contender. */
export function torchContender(python: TorchPython, threads: number): GlyphContenderKind {
  return {
    engine: 'torch',
    backend: 'cpu',
    threads,
    async start(c): Promise<GlyphContender> {
      const peer = await servePeer(python.python, c, threads);
      let rate = await peer.request(2);
      return {
        async run(seconds) {
          rate = await peer.request(Math.max(1, Math.round(rate * seconds)));
          return rate;
        },
        dispose: () => peer.close(),
      };
    },
  };
}

/** Thread counts to try the peer at: 1, powers of two below the core count, and the core count. */
export function peerThreadCounts(cores: number): number[] {
  const out = [1];
  for (let t = 2; t < cores; t *= 2) out.push(t);
  if (cores > 1) out.push(cores);
  return out;
}
