import { SFNClient } from '@aws-sdk/client-sfn';
import { stepFunctionsTaskTokens, type TaskTokens } from '#shared/jobs/task-tokens.js';
import { tracer } from './tracer.js';

/**
 * The Step Functions client, one per container, made on first use and traced. Only what the
 * functions that start executions or send task tokens call reaches it, so only their bundles
 * carry @aws-sdk/client-sfn.
 */
let sfn: SFNClient | undefined;

export const stepFunctionsClient = (): SFNClient => (sfn ??= tracer.captureAWSv3Client(new SFNClient({})));

/** Task tokens sent with the container's client. */
export const clientTaskTokens = (): TaskTokens => stepFunctionsTaskTokens(stepFunctionsClient());
