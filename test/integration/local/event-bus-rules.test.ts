// The bus's rules and the SQS twin together, through the SDK, as a follower of mxflow's events uses them.
import {
  DeleteRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '#local/dynamodb-local.js';
import { type LocalEventBus, startLocalEventBus } from '#local/event-bus.js';
import { type LocalSqs, startLocalSqs } from '#local/sqs.js';

const BUS = 'mxflow-test';
let sqsTwin: LocalSqs;
let bus: LocalEventBus;
let events: EventBridgeClient;
let sqs: SQSClient;

beforeAll(async () => {
  sqsTwin = await startLocalSqs();
  bus = await startLocalEventBus({ busName: BUS, sqs: sqsTwin });
  const config = { region: LOCAL_AWS_REGION, credentials: LOCAL_AWS_CREDENTIALS };
  events = new EventBridgeClient({ ...config, endpoint: bus.endpoint });
  sqs = new SQSClient({ ...config, endpoint: sqsTwin.endpoint });
});
afterAll(async () => {
  events?.destroy();
  sqs?.destroy();
  await bus?.stop();
  await sqsTwin?.stop();
});

const put = (job: string) =>
  events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: BUS,
          Source: 'mxflow',
          DetailType: 'Job Status Changed',
          Detail: JSON.stringify({ job_guid: job }),
        },
      ],
    }),
  );

/** A queue, and a rule on the bus for one job whose target it is; with or without the policy that lets the rule send. */
async function ruleToQueue(name: string, job: string, policy: 'allowing the rule' | 'none' | 'for another rule') {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const queueArn = String(Attributes?.QueueArn);
  const { RuleArn } = await events.send(
    new PutRuleCommand({
      Name: name,
      EventBusName: BUS,
      EventPattern: JSON.stringify({ detail: { job_guid: [job] } }),
    }),
  );
  if (policy !== 'none') {
    const sourceArn = policy === 'allowing the rule' ? RuleArn : `${RuleArn}-other`;
    const statement = {
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: queueArn,
      Condition: { ArnEquals: { 'aws:SourceArn': sourceArn } },
    };
    await sqs.send(
      new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: JSON.stringify({ Statement: [statement] }) } }),
    );
  }
  await events.send(new PutTargetsCommand({ Rule: name, EventBusName: BUS, Targets: [{ Id: 'q', Arn: queueArn }] }));
  return String(QueueUrl);
}

const receive = async (QueueUrl: string, WaitTimeSeconds = 0) =>
  (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds }))).Messages ?? [];

describe('rules on the local bus sending to local SQS queues', () => {
  it("sends the events a rule matches to its queue, and only those, as EventBridge's envelope", async () => {
    const queue = await ruleToQueue('matching', 'JOB-A', 'allowing the rule');

    await put('JOB-B');
    await put('JOB-A');

    const messages = await receive(queue);
    expect(messages).toHaveLength(1);
    const envelope = JSON.parse(String(messages[0]?.Body));
    expect(envelope).toMatchObject({
      source: 'mxflow',
      'detail-type': 'Job Status Changed',
      detail: { job_guid: 'JOB-A' },
    });
  });

  it('drops what a queue’s policy does not let the rule send, as AWS does', async () => {
    const withoutPolicy = await ruleToQueue('no-policy', 'JOB-C', 'none');
    const otherRule = await ruleToQueue('other-rule', 'JOB-C', 'for another rule');

    await put('JOB-C');

    expect(await receive(withoutPolicy)).toEqual([]);
    expect(await receive(otherRule)).toEqual([]);
  });

  it('answers a long poll as soon as an event arrives, and hides a received message until it is deleted', async () => {
    const queue = await ruleToQueue('long-poll', 'JOB-D', 'allowing the rule');

    const polled = receive(queue, 20);
    await put('JOB-D');
    const [message] = await polled;

    expect(message?.Body).toContain('JOB-D');
    expect(await receive(queue)).toEqual([]); // in flight: invisible for 30 s
    const { Successful } = await sqs.send(
      new DeleteMessageBatchCommand({ QueueUrl: queue, Entries: [{ Id: '1', ReceiptHandle: message?.ReceiptHandle }] }),
    );
    expect(Successful).toHaveLength(1);
  });

  it('refuses to delete a rule that still has targets, and removes it after its targets', async () => {
    const queue = await ruleToQueue('teardown', 'JOB-E', 'allowing the rule');

    await expect(events.send(new DeleteRuleCommand({ Name: 'teardown', EventBusName: BUS }))).rejects.toThrow(
      /has targets/,
    );
    await events.send(new RemoveTargetsCommand({ Rule: 'teardown', EventBusName: BUS, Ids: ['q'] }));
    await events.send(new DeleteRuleCommand({ Name: 'teardown', EventBusName: BUS }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queue }));

    expect(bus.ruleNames()).not.toContain('teardown');
    expect(sqsTwin.queueNames()).not.toContain('teardown');
    await expect(receive(queue)).rejects.toThrow(/does not exist/);
  });

  it('refuses a rule on a bus that does not exist, and a queue name SQS would refuse', async () => {
    await expect(
      events.send(new PutRuleCommand({ Name: 'r', EventBusName: 'elsewhere', EventPattern: '{"source":["mxflow"]}' })),
    ).rejects.toThrow(/does not exist/);
    await expect(sqs.send(new CreateQueueCommand({ QueueName: 'no spaces' }))).rejects.toThrow(/alphanumeric/);
  });
});
