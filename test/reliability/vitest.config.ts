import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * The reliability suite (`npm run test:reliability`): the whole local system under load and
 * injected MX faults. Its files end in `.reliability.ts`, so `npm test` (test/**\/*.test.ts)
 * never runs them. Same global setup as the main suite: one DynamoDB Local for the run.
 */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/reliability/**/*.reliability.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // One file at a time: each loads the machine on its own, so their bounds mean the same in CI.
    fileParallelism: false,
    testTimeout: 15 * 60_000,
    hookTimeout: 2 * 60_000,
  },
});
