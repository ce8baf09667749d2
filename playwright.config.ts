import { defineConfig } from '@playwright/test';

// The system Chromium (Debian's package), never a downloaded browser. Flags keep it off the
// network; the WebGPU project adds the software (SwiftShader) adapter.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const baseArgs = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const PORT = Number(process.env.E2E_PORT ?? 4173);

// The long-task soak (`npm run soak:longtasks`, scripts/longtasks-soak.mjs): projects of their own,
// defined only when it asks, so `npm test` and a plain `playwright test` never run them.
const soak = process.env.LONGTASKS_SOAK
  ? [
      {
        name: 'soak',
        testMatch: /longtasks\.soak\.ts/,
      },
      {
        name: 'soak-webgpu',
        testMatch: /longtasks\.webgpu\.soak\.ts/,
        use: {
          launchOptions: {
            executablePath,
            args: [...baseArgs, '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'],
          },
        },
      },
    ]
  : [];

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  // training is CPU-bound: one browser at a time on small machines
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}/`,
    viewport: { width: 1440, height: 1000 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: { executablePath, args: baseArgs },
  },
  projects: [
    {
      name: 'node',
      testMatch: /.*\.unit\.spec\.ts/,
    },
    {
      name: 'chromium',
      testMatch: /.*\.spec\.ts/,
      testIgnore: [/.*\.unit\.spec\.ts/, /webgpu\.spec\.ts/, /fusedWebgpu\.spec\.ts/],
    },
    ...soak,
    {
      name: 'chromium-webgpu',
      testMatch: [/webgpu\.spec\.ts/, /fusedWebgpu\.spec\.ts/],
      use: {
        launchOptions: {
          executablePath,
          args: [...baseArgs, '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'],
        },
      },
    },
  ],
  webServer: {
    command: `npx vite preview --port ${PORT} --strictPort --host localhost`,
    url: `http://localhost:${PORT}/`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
