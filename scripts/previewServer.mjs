/**
 * The built site served by `vite preview` on 127.0.0.1 for the browser benchmarks: `ready()`
 * resolves once it answers, `stop()` ends it.
 */
import { spawn } from 'node:child_process';

export function startPreview(port) {
  const base = `http://127.0.0.1:${port}/`;
  const server = spawn(
    process.execPath,
    [
      'node_modules/vite/bin/vite.js',
      'preview',
      '--port',
      String(port),
      '--strictPort',
      '--host',
      '127.0.0.1',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  async function ready() {
    for (let i = 0; i < 120; i++) {
      try {
        if ((await fetch(base)).ok) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`the preview server did not start on ${base} (run npm run build first)`);
  }
  return { base, ready, stop: () => server.kill() };
}
