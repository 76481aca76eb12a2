import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AWS_TRANSIENT_ERRORS, LAMBDA_TRANSIENT_ERRORS, WORKFLOW_ERRORS } from '#shared/jobs/workflow-errors.js';

/**
 * AWS's own throttles and transient faults (Lambda's, DynamoDB's): no MX call in them, so no 3-s
 * floor, and FULL jitter spreads the tasks a burst throttled together. Declare it first: Step
 * Functions uses the first Retry that matches.
 */
export function retryAwsFaults<T extends sfn.TaskStateBase>(task: T): T {
  task.addRetry({
    errors: [...LAMBDA_TRANSIENT_ERRORS, ...AWS_TRANSIENT_ERRORS],
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxAttempts: 8,
    maxDelay: Duration.seconds(30),
    jitterStrategy: sfn.JitterType.FULL,
  });
  return task;
}

/**
 * MX's 5xx and time-outs. No jitter: FULL jitter draws the delay from 0 up, so a retry could
 * call MX sooner than 3 s.
 */
export function retryMxFaults<T extends sfn.TaskStateBase>(task: T): T {
  task.addRetry({
    errors: [WORKFLOW_ERRORS.mxTransient],
    interval: Duration.seconds(3),
    backoffRate: 2,
    maxAttempts: 6,
    maxDelay: Duration.seconds(60),
    jitterStrategy: sfn.JitterType.NONE,
  });
  return task;
}
