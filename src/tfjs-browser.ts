/**
 * What `@tensorflow/tfjs` is in the built site (vite.config.ts maps the import here for builds):
 * the core ops with their gradients and chained ops, and the CPU backend, which is everything the
 * project uses of the umbrella package. Its layers, converter, data and WebGL parts are 1.1 MB of
 * the training worker's bundle otherwise, about 0.5 s of its start on the 2-core machine. The
 * WebGPU and wasm backends import tfjs-core themselves. Node (the CLI, the tests) keeps the
 * umbrella package, whose Node bundle registers the same gradients.
 */
import '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';

export * from '@tensorflow/tfjs-core';
