import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// The Lambdas run Node 24; the SDK's notice about this machine's Node 20 is noise here (the
// main process reads it too: the global setup uses the SDK).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local for the whole run; tests get its endpoint via inject('dynamoEndpoint').
    globalSetup: ['test/support/global-setup.ts'],
    // Handlers log at ERROR in tests unless a test asks for more (through the local stack's
    // environment, before the logger exists): thousands of INFO lines are only noise and time.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'ERROR' },
    // Vitest's default is one worker less than the cores: a single worker on a 2-core machine.
    // Most of an integration or e2e file's time is spent waiting (on DynamoDB Local, a local
    // server, a scaled timer), so one worker more than the cores keeps both of them busy.
    maxWorkers: availableParallelism() + 1,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
