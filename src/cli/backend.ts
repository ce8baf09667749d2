import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

export const NODE_BACKENDS = ['wasm', 'cpu'] as const;
export type NodeBackend = (typeof NODE_BACKENDS)[number];

// tfjs greets Node users with a suggestion to install tfjs-node (which needs a native download
// we cannot do here); keep the CLI's stderr for our own progress output.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('tfjs-node')) return;
  warn(...args);
};

/** Switch tfjs to a Node backend and confirm it really is active (setBackend can fail quietly). */
export async function startBackend(name: NodeBackend): Promise<void> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) {
    throw new Error(`could not start the ${name} backend (got ${tf.getBackend()})`);
  }
}
