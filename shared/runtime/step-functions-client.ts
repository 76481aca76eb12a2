import { SFNClient } from '@aws-sdk/client-sfn';
import { tracer } from './tracer.js';

/** The Step Functions client, one per container, made on first use and traced. */
let sfn: SFNClient | undefined;

export const stepFunctionsClient = (): SFNClient => (sfn ??= tracer.captureAWSv3Client(new SFNClient({})));
