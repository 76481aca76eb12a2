import { vi } from 'vitest';

/**
 * Before each e2e file: mxflow's own modules load anew (the handlers with them, so each file's
 * local stack gets handlers bound to its own endpoints, as new Lambda containers would be), while
 * the packages they use (the AWS SDK, CDK, the local Step Functions engine) stay loaded in the
 * process from the files before. Loading those once per worker instead of once per file was most
 * of an e2e file's CPU.
 */
vi.resetModules();
