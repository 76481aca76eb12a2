import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDbThrottled } from '#shared/store/dynamodb-retries.js';
import { JobStore, MemberBusyError } from '#shared/store/job-store.js';

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

/** A document client at the SDK boundary: each transaction answers the next scripted outcome; reads find `lock`. */
function scriptedClient(outcomes: (Error | undefined)[], lock?: Record<string, unknown>) {
  const sent: string[] = [];
  const doc = {
    async send(command: { constructor: { name: string } }) {
      sent.push(command.constructor.name);
      if (command.constructor.name === 'GetCommand') return lock ? { Item: lock } : {};
      const outcome = outcomes.shift();
      if (outcome) throw outcome;
      return {};
    },
  } as unknown as DynamoDBDocumentClient;
  return { doc, sent };
}

const noWait = { attempts: 4, baseMs: 1, capMs: 1, random: () => 0, sleep: async () => undefined };
const newJob = {
  jobGuid: 'JOB-1',
  type: 'verify' as const,
  userGuid: 'USR-1',
  memberGuid: 'MBR-1',
  now: new Date('2026-12-01T00:00:00Z'),
  lockSeconds: 3600,
};

describe('JobStore.createJob under transaction conflicts', () => {
  it('sends the start again when DynamoDB cancels it as a TransactionConflict, and starts the job', async () => {
    const { doc, sent } = scriptedClient([cancelled('TransactionConflict', 'None'), undefined]);

    const job = await new JobStore(doc, 'T', noWait).createJob(newJob);

    expect(job).toMatchObject({ job_guid: 'JOB-1', status: 'RUNNING' });
    expect(sent).toEqual(['TransactWriteCommand', 'TransactWriteCommand']);
  });

  it('answers MemberBusyError when the retry meets the lock the conflicting start took', async () => {
    const lock = { pk: 'MEMBER#MBR-1', sk: 'LOCK', job_guid: 'JOB-0', job_type: 'aggregate', expires_at: 1 };
    const held = new TransactionCanceledException({
      message: 'Transaction cancelled',
      $metadata: {},
      CancellationReasons: [{ Code: 'ConditionalCheckFailed', Item: { job_guid: { S: 'JOB-0' } } }, { Code: 'None' }],
    });
    const { doc } = scriptedClient([cancelled('TransactionConflict', 'None'), held], lock);

    const failure = await new JobStore(doc, 'T', noWait).createJob(newJob).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(MemberBusyError);
    expect((failure as MemberBusyError).running).toMatchObject({ job_guid: 'JOB-0' });
  });

  it('gives up after its tries with DynamoDbThrottled, a transient error, when nobody holds the member', async () => {
    const conflicts = Array.from({ length: 4 }, () => cancelled('None', 'TransactionConflict'));
    const { doc, sent } = scriptedClient(conflicts);

    const failure = await new JobStore(doc, 'T', noWait).createJob(newJob).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(DynamoDbThrottled);
    expect(sent.filter((name) => name === 'TransactWriteCommand')).toHaveLength(4);
  });
});
