/**
 * The PyTorch peer (scripts/peer/maml_sinusoid.py, torch.func, one thread) run beside the bench
 * when the Python interpreter in PEER_PYTHON (default python3) can import torch. The project does
 * not depend on torch: without it the bench skips the peer and says why.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type PeerResult =
  | { metaStepsPerSecond: number; runs: number[]; torch: string; threads: number; python: string }
  | { skipped: string };

export function runPeer(batch: number): PeerResult {
  const python = process.env.PEER_PYTHON ?? 'python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return { skipped: `${python} cannot import torch (set PEER_PYTHON to an interpreter that can)` };
  }
  const script = fileURLToPath(new URL('../../scripts/peer/maml_sinusoid.py', import.meta.url));
  const r = spawnSync(python, [script, '--batch', String(batch)], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) return { skipped: `peer failed: ${(r.stderr || r.error?.message || '').slice(-300)}` };
  const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as {
    metaStepsPerSecond: number;
    runs: number[];
    torch: string;
    threads: number;
  };
  return {
    metaStepsPerSecond: out.metaStepsPerSecond,
    runs: out.runs,
    torch: out.torch,
    threads: out.threads,
    python,
  };
}
