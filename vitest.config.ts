import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// The Lambdas run Node 24; the SDK's notice about this machine's Node 20 is noise here (the
// main process reads it too: the global setup uses the SDK).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** One DynamoDB Local for the whole run, whichever project starts first (test/support/global-setup.ts). */
const GLOBAL_SETUP = ['test/support/global-setup.ts'];

/**
 * Unit files that need a process of their own: they read module state made from the
 * environment (the logger's level, the metrics' cold start, a handler's clients, built once as a
 * Lambda container builds them), which another file in the same process would have made first.
 */
const UNIT_FILES_WITH_OWN_PROCESS = [
  'test/unit/shared/runtime/logger.test.ts',
  'test/unit/shared/runtime/metrics.test.ts',
  'test/unit/functions/**/*.test.ts',
];

/**
 * The layers as projects of one run. Files share their worker processes, so the packages they
 * load (the AWS SDK, CDK, the local Step Functions engine) load once per worker, not once per
 * file: that was most of a small file's time. The e2e files start a local mxflow each, whose handlers keep
 * their clients as a Lambda container does, so mxflow's own modules load anew for each e2e file
 * (test/support/fresh-modules.ts); `startLocalMxflow` refuses a second stack on the same ones.
 */
export default defineConfig({
  test: {
    // Handlers log at ERROR in tests unless a test asks for more (through the local stack's
    // environment, before the logger exists): thousands of INFO lines are only noise and time.
    // The X-Ray SDK in manual mode, as the local stack loads it (local/xray-manual-mode.ts), for
    // whichever file of a worker loads the tracer first.
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      AWS_XRAY_MANUAL_MODE: 'true',
    },
    // A file that stubs a variable gets it back as it was, whichever file runs next in its process.
    unstubEnvs: true,
    // Vitest's default is one worker less than the cores: a single worker on a 2-core machine.
    // Most of an integration or e2e file's time is spent waiting (on DynamoDB Local, a local
    // server, a scaled timer), so one worker more than the cores keeps both of them busy.
    maxWorkers: availableParallelism() + 1,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: UNIT_FILES_WITH_OWN_PROCESS,
          pool: 'threads',
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: GLOBAL_SETUP,
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: GLOBAL_SETUP,
          isolate: false,
          setupFiles: ['test/support/fresh-modules.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'unit (own process)',
          include: UNIT_FILES_WITH_OWN_PROCESS,
        },
      },
    ],
  },
});
