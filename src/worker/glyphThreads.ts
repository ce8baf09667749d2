/**
 * Helper threads for the fused glyph engine in the browser: nested module workers of the training
 * worker behind one GlyphThreadPool, installed for every fused glyph engine the worker makes. The
 * pool shares memory with its helpers and waits for them with Atomics.wait (allowed in a worker),
 * so it needs SharedArrayBuffer, which a page has only when it is cross-origin isolated; elsewhere
 * the engine stays on the training worker's thread.
 */
import { GlyphThreadPool, installGlyphThreads } from '../core/engines/fusedGlyph/threads';

/** Threads that compute tasks by default: the cores but one (the page's main thread needs one). */
export function browserGlyphThreads(): number {
  const cores = typeof navigator === 'undefined' ? 1 : navigator.hardwareConcurrency || 1;
  return Math.max(1, cores - 1);
}

/** Whether this context can share memory with helpers (a cross-origin isolated page). */
export function canShareMemory(): boolean {
  return typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated === true;
}

function startHelper(): Promise<Worker> {
  const w = new Worker(new URL('./glyphThreads.worker.ts', import.meta.url), { type: 'module' });
  return new Promise((resolve, reject) => {
    w.addEventListener('message', () => resolve(w), { once: true });
    w.addEventListener('error', (e) => reject(new Error(`glyph helper thread: ${e.message}`)), {
      once: true,
    });
  });
}

/**
 * Starts `threads` − 1 helpers and installs their pool (resolving once they have loaded, so the
 * engines made afterwards use them). Returns the thread count in use: 1 where memory cannot be
 * shared or a helper fails to start.
 */
export async function startGlyphThreads(threads = browserGlyphThreads()): Promise<number> {
  if (threads <= 1 || !canShareMemory()) return 1;
  const started = await Promise.allSettled(Array.from({ length: threads - 1 }, startHelper));
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (workers.length < started.length) {
    workers.forEach((w) => w.terminate());
    return 1;
  }
  const pool = new GlyphThreadPool(
    workers.map((w) => ({ post: (m) => w.postMessage(m) })),
    () => workers.forEach((w) => w.terminate()),
  );
  installGlyphThreads(pool);
  return pool.threads;
}
