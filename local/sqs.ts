import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { AwsServiceError, awsJsonProtocol } from './aws-json-protocol.js';
import { listen } from './http-server.js';

export interface LocalSqs {
  /** Use as `AWS_ENDPOINT_URL_SQS`. */
  readonly endpoint: string;
  /**
   * What an EventBridge rule's target does: sends `body` to the queue named by `queueArn` when
   * the queue's policy lets EventBridge send for `sourceArn` (the rule). Answers whether it was
   * sent; as in AWS, a missing queue or a policy that does not allow it drops the message.
   */
  deliverFrom(sourceArn: string, queueArn: string, body: string): boolean;
  /** Names of the queues that exist. */
  queueNames(): string[];
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
/** SQS's limits: queue names, messages a receive, a long poll's wait. */
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const MAX_RECEIVE = 10;
const MAX_WAIT_SECONDS = 20;
const DEFAULT_VISIBILITY_SECONDS = 30;

interface Message {
  readonly id: string;
  readonly body: string;
  receipt: string | undefined;
  visibleAt: number;
}

interface Queue {
  readonly name: string;
  readonly arn: string;
  readonly url: string;
  readonly attributes: Record<string, string>;
  readonly messages: Message[];
  /** Long polls waiting for a message. */
  readonly waiters: Set<() => void>;
}

interface PolicyStatement {
  readonly Effect?: string;
  readonly Principal?: { Service?: string | string[] } | string;
  readonly Action?: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * Whether a queue policy lets EventBridge's service principal send for the rule `sourceArn`, as
 * AWS requires of a rule's SQS target: Allow, `events.amazonaws.com`, `sqs:SendMessage` (or `*`),
 * this queue, and an `aws:SourceArn` condition, when there is one, naming the rule.
 */
function allowsEventBridge(policy: string | undefined, queueArn: string, sourceArn: string): boolean {
  if (policy === undefined) return false;
  let statements: PolicyStatement[];
  try {
    const { Statement } = JSON.parse(policy) as { Statement?: PolicyStatement | PolicyStatement[] };
    statements = Statement === undefined ? [] : Array.isArray(Statement) ? Statement : [Statement];
  } catch {
    return false;
  }
  return statements.some((s) => {
    const principal = typeof s.Principal === 'object' ? asList(s.Principal.Service) : [];
    const conditions = Object.values(s.Condition ?? {}).flatMap((byKey) =>
      Object.entries(byKey).filter(([key]) => key.toLowerCase() === 'aws:sourcearn'),
    );
    return (
      s.Effect === 'Allow' &&
      principal.includes('events.amazonaws.com') &&
      asList(s.Action).some((a) => a === 'sqs:SendMessage' || a === 'sqs:*' || a === '*') &&
      asList(s.Resource).some((r) => r === queueArn || r === '*') &&
      conditions.every(([, arns]) => asList(arns).includes(sourceArn))
    );
  });
}

/**
 * The twin of SQS on a loopback port, for what a follower of mxflow's events does with a queue of
 * its own: CreateQueue, GetQueueAttributes, SetQueueAttributes (a policy), ReceiveMessage (long
 * polls, visibility timeout), DeleteMessage(Batch) and DeleteQueue, over SQS's JSON 1.0 protocol
 * with its limits. Messages arrive only from a rule's target (`deliverFrom`), checked against the
 * queue's policy as AWS checks it.
 */
export async function startLocalSqs(options: { port?: number } = {}): Promise<LocalSqs> {
  const queues = new Map<string, Queue>();
  let endpoint = '';
  const queueOf = (input: Record<string, unknown>): Queue => {
    const name = String(input.QueueUrl ?? '')
      .split('/')
      .pop();
    const queue = name === undefined ? undefined : queues.get(name);
    if (!queue) throw new AwsServiceError('QueueDoesNotExist', 'The specified queue does not exist.');
    return queue;
  };
  const wake = (queue: Queue) => {
    for (const waiter of queue.waiters) waiter();
  };
  const take = (queue: Queue, max: number, visibilitySeconds: number): Message[] => {
    const now = Date.now();
    const visible = queue.messages.filter((m) => m.visibleAt <= now).slice(0, max);
    for (const m of visible) {
      m.receipt = randomUUID();
      m.visibleAt = now + visibilitySeconds * 1000;
    }
    return visible;
  };
  const remove = (queue: Queue, receipt: unknown) => {
    const at = queue.messages.findIndex((m) => m.receipt !== undefined && m.receipt === receipt);
    if (at < 0) throw new AwsServiceError('ReceiptHandleIsInvalid', 'The receipt handle is not valid.');
    queue.messages.splice(at, 1);
  };
  const wholeNumber = (value: unknown, fallback: number, max: number, min = 0): number => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
      throw new AwsServiceError('InvalidParameterValue', `Value ${String(value)} must be between ${min} and ${max}.`);
    }
    return value as number;
  };

  const protocol = awsJsonProtocol({
    targetPrefix: 'AmazonSQS.',
    version: '1.0',
    serviceName: 'The local SQS',
    operations: {
      CreateQueue(input) {
        const name = String(input.QueueName ?? '');
        if (!QUEUE_NAME.test(name)) {
          throw new AwsServiceError(
            'InvalidParameterValue',
            'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
          );
        }
        const attributes = (input.Attributes ?? {}) as Record<string, string>;
        const existing = queues.get(name);
        if (existing) {
          const differs = Object.entries(attributes).some(([key, value]) => existing.attributes[key] !== value);
          if (differs) {
            throw new AwsServiceError(
              'QueueNameExists',
              'A queue already exists with the same name and a different value for attribute(s)',
            );
          }
          return { QueueUrl: existing.url };
        }
        const url = `${endpoint}/${ACCOUNT}/${name}`;
        queues.set(name, {
          name,
          arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
          url,
          attributes: { ...attributes },
          messages: [],
          waiters: new Set(),
        });
        return { QueueUrl: url };
      },
      GetQueueAttributes(input) {
        const queue = queueOf(input);
        return {
          Attributes: {
            ...queue.attributes,
            QueueArn: queue.arn,
            ApproximateNumberOfMessages: String(queue.messages.length),
          },
        };
      },
      SetQueueAttributes(input) {
        const queue = queueOf(input);
        Object.assign(queue.attributes, input.Attributes ?? {});
        return {};
      },
      async ReceiveMessage(input) {
        const queue = queueOf(input);
        const max = wholeNumber(input.MaxNumberOfMessages, 1, MAX_RECEIVE, 1);
        const waitSeconds = wholeNumber(input.WaitTimeSeconds, 0, MAX_WAIT_SECONDS);
        const visibility = wholeNumber(input.VisibilityTimeout, DEFAULT_VISIBILITY_SECONDS, 43_200);
        let messages = take(queue, max, visibility);
        if (messages.length === 0 && waitSeconds > 0) {
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              queue.waiters.delete(done);
              resolve();
            };
            const timer = setTimeout(done, waitSeconds * 1000);
            queue.waiters.add(done);
          });
          messages = queues.get(queue.name) === queue ? take(queue, max, visibility) : [];
        }
        return {
          Messages: messages.map((m) => ({
            MessageId: m.id,
            ReceiptHandle: m.receipt,
            Body: m.body,
            MD5OfBody: createHash('md5').update(m.body).digest('hex'),
          })),
        };
      },
      DeleteMessage(input) {
        remove(queueOf(input), input.ReceiptHandle);
        return {};
      },
      DeleteMessageBatch(input) {
        const queue = queueOf(input);
        const entries = Array.isArray(input.Entries) ? (input.Entries as { Id: string; ReceiptHandle: string }[]) : [];
        if (entries.length === 0 || entries.length > MAX_RECEIVE) {
          throw new AwsServiceError('TooManyEntriesInBatchRequest', `A batch holds 1 to ${MAX_RECEIVE} entries.`);
        }
        const successful: { Id: string }[] = [];
        const failed: { Id: string; Code: string; SenderFault: boolean }[] = [];
        for (const entry of entries) {
          try {
            remove(queue, entry.ReceiptHandle);
            successful.push({ Id: entry.Id });
          } catch {
            failed.push({ Id: entry.Id, Code: 'ReceiptHandleIsInvalid', SenderFault: true });
          }
        }
        return { Successful: successful, Failed: failed };
      },
      DeleteQueue(input) {
        const queue = queueOf(input);
        queues.delete(queue.name);
        wake(queue);
        return {};
      },
    },
  });
  const server = await listen(createServer(protocol), { port: options.port ?? 0 });
  endpoint = server.url;
  return {
    endpoint,
    deliverFrom(sourceArn, queueArn, body) {
      const queue = [...queues.values()].find((q) => q.arn === queueArn);
      if (!queue || !allowsEventBridge(queue.attributes.Policy, queue.arn, sourceArn)) return false;
      queue.messages.push({ id: randomUUID(), body, receipt: undefined, visibleAt: 0 });
      wake(queue);
      return true;
    },
    queueNames: () => [...queues.keys()],
    async stop() {
      for (const queue of queues.values()) wake(queue);
      await server.stop();
    },
  };
}
