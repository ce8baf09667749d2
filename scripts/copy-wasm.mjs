// Copies tfjs-backend-wasm's .wasm binaries into public/tfjs so the app serves them itself
// (no CDN request). Runs before `vite` and `vite build`.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist';
const out = new URL('../public/tfjs/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
for (const f of readdirSync(dist)) if (f.endsWith('.wasm')) copyFileSync(join(dist, f), join(out, f));
