import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { writeBatch } from '#shared/store/batch-write.js';
import { DynamoDbThrottled, type RetryPace } from '#shared/store/dynamodb-retries.js';

const TABLE = 'mxflow-test';
const put = (n: number) => ({ PutRequest: { Item: { pk: `P#${n}`, sk: 'S' } } });

/** A document client at the SDK boundary that leaves the first `leave(round)` requests of each round unprocessed. */
function batchClient(leave: (round: number, pending: number) => number) {
  const sent: number[] = [];
  const doc = {
    async send(command: { input: { RequestItems: Record<string, unknown[]> } }) {
      const pending = command.input.RequestItems[TABLE] ?? [];
      sent.push(pending.length);
      const left = pending.slice(0, leave(sent.length, pending.length));
      return left.length > 0 ? { UnprocessedItems: { [TABLE]: left } } : {};
    },
  } as unknown as DynamoDBDocumentClient;
  return { doc, sent };
}

function recordedPace(random: () => number): { pace: RetryPace; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    pace: {
      attempts: 5,
      baseMs: 50,
      capMs: 300,
      random,
      sleep: async (ms) => {
        waits.push(ms);
      },
    },
  };
}

describe('writeBatch', () => {
  it('sends the writes DynamoDB left unprocessed again until none is left', async () => {
    const { doc, sent } = batchClient((round) => (round === 1 ? 10 : round === 2 ? 3 : 0));
    const { pace } = recordedPace(() => 0.5);

    await writeBatch(
      doc,
      TABLE,
      Array.from({ length: 25 }, (_, n) => put(n)),
      pace,
    );

    expect(sent).toEqual([25, 10, 3]);
  });

  it('waits a random share (full jitter) of an exponentially growing, capped delay between tries', async () => {
    const { doc } = batchClient((round) => (round < 5 ? 1 : 0));
    const { pace, waits } = recordedPace(() => 0.5);

    await writeBatch(doc, TABLE, [put(1)], pace);

    // Ceilings 100, 200, 300 (capped), 300; half of each with random 0.5.
    expect(waits).toEqual([50, 100, 150, 150]);
  });

  it('sends a whole batch again after DynamoDB refused it as over the partition throughput', async () => {
    let calls = 0;
    const refusal = Object.assign(new Error('Throughput exceeds the current capacity of your table or index.'), {
      name: 'ProvisionedThroughputExceededException',
    });
    const sent: number[] = [];
    const doc = {
      async send(command: { input: { RequestItems: Record<string, unknown[]> } }) {
        sent.push(command.input.RequestItems[TABLE]?.length ?? 0);
        calls += 1;
        if (calls <= 2) throw refusal;
        return {};
      },
    } as unknown as DynamoDBDocumentClient;
    const { pace, waits } = recordedPace(() => 0.5);

    await writeBatch(doc, TABLE, [put(1), put(2), put(3)], pace);

    expect(sent).toEqual([3, 3, 3]);
    expect(waits).toHaveLength(2);
  });

  it('passes on an error that is not a throttle at once, without retrying', async () => {
    const sent: number[] = [];
    const doc = {
      async send() {
        sent.push(1);
        throw Object.assign(new Error('One or more parameter values were invalid'), { name: 'ValidationException' });
      },
    } as unknown as DynamoDBDocumentClient;
    const { pace } = recordedPace(() => 0);

    await expect(writeBatch(doc, TABLE, [put(1)], pace)).rejects.toMatchObject({ name: 'ValidationException' });
    expect(sent).toHaveLength(1);
  });

  it('gives up after its tries with DynamoDbThrottled, a transient error the state machine retries', async () => {
    const { doc, sent } = batchClient((_round, pending) => pending);
    const { pace } = recordedPace(() => 0);

    const failure = await writeBatch(doc, TABLE, [put(1), put(2)], pace).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(DynamoDbThrottled);
    expect(failure).toMatchObject({ name: 'DynamoDbThrottled', message: expect.stringContaining('2 writes') });
    expect(sent).toHaveLength(5);
  });
});
