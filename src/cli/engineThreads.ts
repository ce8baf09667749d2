/**
 * Helper threads for the fused glyph engine in Node (worker_threads): `threads` − 1 workers, each
 * running ./engineThreadWorker.ts, behind a GlyphThreadPool. The workers are unref'd, so a process that
 * is done exits without closing the pool.
 */
import { Worker } from 'node:worker_threads';
import { familyOf } from '../core/families/registry';
import { GlyphThreadPool, installGlyphThreads, type ShardConfig } from '../core/engines/fusedGlyph/threads';

/**
 * The worker runs TypeScript: a small module registers tsx's loader in the worker's thread (Node 20
 * applies no --import loader to workers), then imports the entry. tsx resolves from the working
 * directory, the repository's root under npm scripts and vitest.
 */
function bootstrap(entry: URL): string {
  return `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
}

/** Starts a worker and resolves once it has loaded (a blocked caller could not start it later). */
function startWorker(url: URL): Promise<Worker> {
  const w = new Worker(bootstrap(url), { eval: true });
  return new Promise((resolve, reject) => {
    w.once('message', () => {
      w.off('error', reject);
      w.unref();
      resolve(w);
    });
    w.once('error', reject);
  });
}

/** A pool of `threads` computing threads (this one included), started; null for one thread. */
export async function nodeGlyphThreads(threads: number): Promise<GlyphThreadPool | null> {
  if (!Number.isInteger(threads) || threads < 1)
    throw new Error(`threads must be a whole number ≥ 1, got ${threads}`);
  if (threads === 1) return null;
  const url = new URL('./engineThreadWorker.ts', import.meta.url);
  const workers = await Promise.all(Array.from({ length: threads - 1 }, () => startWorker(url)));
  return new GlyphThreadPool(
    workers.map((w) => ({ post: (m: ShardConfig) => w.postMessage(m) })),
    () => workers.forEach((w) => void w.terminate()),
  );
}

/**
 * A run's thread count when it does not say: one, since two threads measured no faster than one on
 * the 2-core reference machine (docs/benchmarks.md, glyph speed).
 */
export const DEFAULT_TRAIN_THREADS = 1;

/**
 * Installs the helper threads fused glyph engines of this process use (installGlyphThreads), for
 * `npm run train`: `requested` threads, or DEFAULT_TRAIN_THREADS. Only runs that may train on a
 * fused engine (`engine` other than tfjs), of a family whose fused engine splits tasks over
 * threads (`TaskFamily.fusedThreads`), get helpers; more than one thread is said on stderr.
 */
export async function installTrainThreads(
  requested: number | undefined,
  task: string,
  engine: 'auto' | 'fused' | 'tfjs',
): Promise<void> {
  if (engine === 'tfjs' || familyOf(task).fusedThreads !== true) return;
  const threads = requested ?? DEFAULT_TRAIN_THREADS;
  installGlyphThreads(await nodeGlyphThreads(threads));
  if (threads > 1) process.stderr.write(`fused engine threads: ${threads}\n`);
}
