/**
 * Watching the WebGPU device the tfjs backend runs on. tfjs does not turn GPU faults into
 * exceptions: a lost device or a GPU validation error (a shader that fails to compile, a limit an
 * adapter does not have) leaves kernels silently doing nothing, and reads may never resolve. The
 * device reports both, once: `lost` and `uncapturederror`. The host stops on either, and the page
 * continues on the next backend from the last θ. The test hooks cause both for real.
 */
import * as tf from '@tensorflow/tfjs';
import type { GpuFault } from './protocol';

/** The part of GPUDevice used here (the worker's TypeScript has no WebGPU types). */
interface Device {
  lost: Promise<{ reason?: string; message?: string }>;
  addEventListener(type: 'uncapturederror', listener: (e: { error?: { message?: string } }) => void): void;
  destroy(): void;
  createShaderModule(desc: { code: string }): unknown;
  createComputePipeline(desc: { layout: 'auto'; compute: { module: unknown; entryPoint: string } }): unknown;
}

/** The tfjs WebGPU backend's device, if that backend has been started in this worker. */
function webgpuDevice(): Device | null {
  try {
    const backend = tf.findBackend('webgpu') as unknown as { device?: Device } | null;
    return backend?.device ?? null;
  } catch {
    return null;
  }
}

const watched = new WeakSet<Device>();

const lostText = (info: { reason?: string; message?: string }) =>
  `the WebGPU device was lost (${info.reason ?? 'unknown reason'}${info.message ? `: ${info.message}` : ''})`;

/**
 * Whether the device was lost, waiting at most `ms` for it to say so. A lost device usually shows
 * first as a failed buffer read in the training loop; this gives that error its real cause.
 */
export async function deviceLostReason(ms: number): Promise<string | null> {
  const device = webgpuDevice();
  if (!device) return null;
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), ms));
  return Promise.race([device.lost.then(lostText), timeout]);
}

/** Call `onFault` with a one-line reason when the device is lost or reports an error (once per device). */
export function watchGpuDevice(onFault: (reason: string) => void): void {
  const device = webgpuDevice();
  if (!device || watched.has(device)) return;
  watched.add(device);
  void device.lost.then((info) => onFault(lostText(info)));
  device.addEventListener('uncapturederror', (e) =>
    onFault(`WebGPU reported an error: ${e.error?.message?.split('\n')[0] ?? 'unknown error'}`),
  );
}

/** Test hook: lose the device, or compile a broken shader on it. False when WebGPU is not running. */
export function causeGpuFault(fault: GpuFault): boolean {
  const device = webgpuDevice();
  if (!device) return false;
  if (fault === 'device-lost') {
    device.destroy();
    return true;
  }
  const module = device.createShaderModule({ code: 'this is not WGSL (test hook)' });
  device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  return true;
}
