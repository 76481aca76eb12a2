// Following a job by mxflow's events: a rule on the bus for this one job, sending to a queue of
// the follower's own, both made for as long as it follows and removed after.
import { randomBytes } from 'node:crypto';
import {
  DeleteRuleCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { EVENT_SOURCE } from '#shared/events/mxflow-events.js';

/** What a follower needs to reach the bus: its name, its region, and (on this machine) endpoints and credentials. */
export interface EventBusAccess {
  readonly busName: string;
  readonly region: string;
  readonly endpoints?: { readonly eventBridge?: string | undefined; readonly sqs?: string | undefined };
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface JobChanges {
  /** Waits until an event about the job arrives, or `ms` pass; answers how many arrived. */
  next(ms: number): Promise<number>;
  /** Removes the rule and the queue (best effort: answers what could not be removed). */
  close(): Promise<string[]>;
}

/** Rule and queue names start so: an operator's policy can allow exactly these, and find leftovers. */
export const FOLLOW_NAME_PREFIX = 'mxflow-follow-';
const TARGET_ID = 'follower';
/** SQS's longest long poll. */
const MAX_WAIT_SECONDS = 20;

/** The rule's pattern: this job's status changes, nothing else. */
export const jobEventPattern = (jobGuid: string) => ({
  source: [EVENT_SOURCE],
  'detail-type': ['Job Status Changed'],
  detail: { job_guid: [jobGuid] },
});

/** Lets EventBridge send to the queue for this rule only, as a rule's SQS target needs. */
const queuePolicy = (queueArn: string, ruleArn: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
      },
    ],
  });

/**
 * Subscribes to one job's events: a queue (messages kept 5 minutes), then a rule on the bus
 * matching the job, the queue's policy letting that rule send, then the rule's target. The
 * policy comes before the target so that no event is sent where it may not land. Whatever was
 * made is removed again when a later step fails.
 */
export async function subscribeToJobEvents(access: EventBusAccess, jobGuid: string): Promise<JobChanges> {
  const common = { region: access.region, ...(access.credentials ? { credentials: access.credentials } : {}) };
  const { eventBridge, sqs: sqsEndpoint } = access.endpoints ?? {};
  const events = new EventBridgeClient({ ...common, ...(eventBridge ? { endpoint: eventBridge } : {}) });
  const sqs = new SQSClient({ ...common, ...(sqsEndpoint ? { endpoint: sqsEndpoint } : {}) });
  const name = `${FOLLOW_NAME_PREFIX}${randomBytes(6).toString('hex')}`;
  const undo: { what: string; run: () => Promise<unknown> }[] = [];
  const close = async (): Promise<string[]> => {
    const left: string[] = [];
    for (const step of undo.reverse()) {
      await step.run().catch((error: unknown) => left.push(`${step.what} (${(error as Error).name})`));
    }
    undo.length = 0;
    events.destroy();
    sqs.destroy();
    return left;
  };
  try {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: { MessageRetentionPeriod: '300' } }),
    );
    undo.push({ what: `queue ${name}`, run: () => sqs.send(new DeleteQueueCommand({ QueueUrl })) });
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const queueArn = String(Attributes?.QueueArn);
    const { RuleArn } = await events.send(
      new PutRuleCommand({
        Name: name,
        EventBusName: access.busName,
        EventPattern: JSON.stringify(jobEventPattern(jobGuid)),
        Description: `mxflow CLI following ${jobGuid}`,
      }),
    );
    undo.push({
      what: `rule ${name}`,
      run: () => events.send(new DeleteRuleCommand({ Name: name, EventBusName: access.busName })),
    });
    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: queuePolicy(queueArn, String(RuleArn)) } }),
    );
    await events.send(
      new PutTargetsCommand({ Rule: name, EventBusName: access.busName, Targets: [{ Id: TARGET_ID, Arn: queueArn }] }),
    );
    undo.push({
      what: `target of rule ${name}`,
      run: () => events.send(new RemoveTargetsCommand({ Rule: name, EventBusName: access.busName, Ids: [TARGET_ID] })),
    });
    return {
      async next(ms) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: Math.min(MAX_WAIT_SECONDS, Math.max(0, Math.ceil(ms / 1000))),
          }),
        );
        if (Messages.length > 0) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl,
              Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
        }
        return Messages.length;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
