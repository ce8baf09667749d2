import { test } from '@playwright/test';
import { watchTraining } from './helpers';

// The WebGPU part of `npm run soak:longtasks` (see longtasks.soak.ts), in the browser with the
// software adapter: SwiftShader runs the GPU's work on the same CPU cores as the page.
test.use({ trace: 'off' });

test('sinusoids on WebGPU (SwiftShader): no main-thread task over 50 ms in 30 s of training', async ({
  page,
}) => {
  await watchTraining(page, './?backend=webgpu', /webgpu/, 1, 30_000);
});
