import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one logger. What it is given is references (job, user and member guids), statuses and
 * counts: never a request body, a credential, an answer, an account number or owner data.
 * Its Lambda context and appended keys belong to the invocation: in AWS each function is a
 * process of its own; locally, where all share one process, `invokeLocally` gives each
 * invocation a scope of its own (Powertools' per-invocation store, as Lambda's runtime does).
 */
export const logger = new Logger({ serviceName: 'mxflow' });

/**
 * Audit events (`shared/api/audit.ts`): a record of who read account numbers and owners, kept
 * at INFO whatever level the diagnostics run at.
 */
export const auditLogger = logger.createChild({ logLevel: 'INFO' });
