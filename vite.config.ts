import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The wasm backend's binaries are served from public/tfjs (copied by scripts/copy-wasm.mjs), so
// the page never asks another origin for anything.
export default defineConfig({
  plugins: [react()],
  base: './',
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 4000,
    // the engine check page (engine-check.html) ships beside the app
    rollupOptions: { input: { main: 'index.html', engineCheck: 'engine-check.html' } },
  },
  server: { port: 5173, strictPort: false },
  preview: { port: 4173, strictPort: false },
});
