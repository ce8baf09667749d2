import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';

/**
 * The Content-Security-Policy of the built site: scripts, workers and requests only from the
 * page's own origin, no eval (`wasm-unsafe-eval` lets the wasm backend and the fused engine compile
 * their WebAssembly), inline style attributes allowed (React and D3 set them), no plugins, no
 * framing of forms. It goes into every built HTML page as a meta tag (any static host) and is
 * sent as a header by `npm start` (vite preview), which also covers the worker's script.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

/** The policy as a meta tag in built pages only (the dev server injects inline scripts of its own). */
function cspMeta(): Plugin {
  return {
    name: 'csp-meta',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: () => [
        {
          tag: 'meta',
          attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP },
          injectTo: 'head-prepend',
        },
      ],
    },
  };
}

/**
 * Offline: a Workbox service worker (generated at build time; `npm run dev` has none) precaches
 * everything the page loads and trains with: the app shell, every JavaScript chunk (the training
 * worker's bundle and the glyph lab's lazily loaded views among them), the wasm backend's binaries
 * and the glyph lab's shipped θ. It is registered from the app's own code after load
 * (`src/ui/session/offline.ts`, no inline script), and an update waits for the visitor's "Reload".
 */
function offline(): Plugin[] {
  return VitePWA({
    registerType: 'prompt',
    injectRegister: null,
    manifest: false,
    workbox: {
      globPatterns: ['**/*.{html,js,css,wasm,svg}', 'glyph-init.json'],
      // the engine check is a separate diagnostic page, not part of the app
      globIgnores: ['**/node_modules/**', 'engine-check.html', 'assets/engineCheck-*'],
      navigateFallbackDenylist: [/engine-check/],
      // the training worker's bundle (tfjs-core with its three backends) is about 2 MB
      maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
      cleanupOutdatedCaches: true,
    },
  });
}

/**
 * Builds take `@tensorflow/tfjs` from src/tfjs-browser.ts: the parts of TensorFlow.js the project
 * uses (tfjs-core with its gradients, the CPU backend) without the umbrella's layers, converter,
 * data and WebGL backend. The dev server and the tests (vitest) keep the umbrella package.
 */
function tfjsParts(): Plugin {
  const parts = fileURLToPath(new URL('./src/tfjs-browser.ts', import.meta.url));
  return {
    name: 'tfjs-parts',
    apply: 'build',
    enforce: 'pre',
    resolveId: (id) => (id === '@tensorflow/tfjs' ? parts : null),
  };
}

// The wasm backend's binaries are served from public/tfjs (copied by scripts/copy-wasm.mjs), so
// the page never asks another origin for anything.
export default defineConfig({
  plugins: [tfjsParts(), react(), cspMeta(), offline()],
  base: './',
  // the training worker is bundled apart, with its own plugins
  worker: { format: 'es', plugins: () => [tfjsParts()] },
  build: {
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 4000,
    // the engine check page (engine-check.html) ships beside the app
    rollupOptions: { input: { main: 'index.html', engineCheck: 'engine-check.html' } },
  },
  server: { port: 5173, strictPort: false },
  preview: { port: 4173, strictPort: false, headers: { 'Content-Security-Policy': CSP } },
});
