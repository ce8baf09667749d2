import { test } from '@playwright/test';
import { watchTraining } from './helpers';

test.use({ trace: 'off' });

// Known gap (issue 10): SwiftShader runs the GPU's work on the same two CPU cores, and the longest
// main-thread task reached 51 and 102 ms in two runs (2026-11-28), so this is marked fixme.
test.fixme('sinusoids on WebGPU (SwiftShader): no main-thread task over 50 ms in 30 s of training', async ({
  page,
}) => {
  await watchTraining(page, './?backend=webgpu', /webgpu/, 1, 30_000);
});
