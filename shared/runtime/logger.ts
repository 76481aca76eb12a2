import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one logger. What it is given is references (job, user and member guids), statuses and
 * counts: never a request body, a credential, an answer, an account number or owner data.
 */
export const logger = new Logger({ serviceName: 'mxflow' });
