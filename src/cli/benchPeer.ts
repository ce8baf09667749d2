/**
 * The PyTorch peer (scripts/peer/maml_sinusoid.py, torch.func, one thread) run beside the bench
 * when the Python interpreter in PEER_PYTHON (default python3) can import torch. The project does
 * not depend on torch: without it the bench skips the peer and says why. The peer runs in serve
 * mode: it warms up once, then times one run per request, so the bench can interleave its runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface Peer {
  torch: string;
  threads: number;
  python: string;
  /** one timed run of the peer (meta-steps per second) */
  run(): Promise<number>;
  close(): void;
}

export async function startPeer(batch: number, steps: number): Promise<Peer | { skipped: string }> {
  const python = process.env.PEER_PYTHON ?? 'python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return { skipped: `${python} cannot import torch (set PEER_PYTHON to an interpreter that can)` };
  }
  const script = fileURLToPath(new URL('../../scripts/peer/maml_sinusoid.py', import.meta.url));
  const child = spawn(python, [script, '--serve', '--batch', String(batch), '--steps', String(steps)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const line = await lines.next();
    if (line.done) throw new Error('the PyTorch peer exited early');
    return JSON.parse(line.value) as Record<string, unknown>;
  };
  const ready = await next();
  return {
    torch: String(ready.torch),
    threads: Number(ready.threads),
    python,
    async run() {
      child.stdin.write('run\n');
      return Number((await next()).metaStepsPerSecond);
    },
    close() {
      child.stdin.end();
    },
  };
}
