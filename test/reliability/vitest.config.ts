import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The reliability suite (`npm run test:reliability`): the whole local system under load and
 * injected MX faults. Its own files end in `.reliability.ts`, so `npm test` (test/**\/*.test.ts)
 * never runs them; the route and MX client fuzzing run in both, deeper here. Same global setup
 * as the main suite: one DynamoDB Local for the run.
 */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    // The route and MX client fuzzing of `npm test` again, deeper: 1,000 cases a route or family.
    include: [
      'test/reliability/**/*.reliability.ts',
      'test/e2e/api/*.fuzz.test.ts',
      'test/integration/shared/mx/client.fuzz.test.ts',
    ],
    globalSetup: ['test/support/global-setup.ts'],
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      MXFLOW_FUZZ_RUNS: '1000',
      // New cases each run (npm test keeps its own, fixed): the seed is in every fuzz log line.
      MXFLOW_FUZZ_SEED: process.env.MXFLOW_FUZZ_SEED ?? String(Date.now()),
    },
    // One file at a time: each loads the machine on its own, so their bounds mean the same in CI.
    fileParallelism: false,
    testTimeout: 15 * 60_000,
    hookTimeout: 2 * 60_000,
  },
});
