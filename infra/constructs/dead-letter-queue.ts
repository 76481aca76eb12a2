import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledgeNag } from '#infra/nag.js';

/**
 * A dead-letter queue as every one of mxflow's is: encrypted, TLS only, 14 days (an alarm on its
 * depth pages on-call, who has two weeks to read it). `whose` names what it catches, for cdk-nag.
 */
export function deadLetterQueue(scope: Construct, id: string, whose: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  acknowledgeNag(queue, 'SQS3', `This queue is ${whose}'s dead-letter queue: it has none of its own.`);
  return queue;
}
