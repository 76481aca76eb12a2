import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { TABLE_DEFINITION } from '#shared/store/table-definition.js';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from './dynamodb-local.js';

export interface StreamConsumerOptions {
  readonly dynamo: DynamoDBClient;
  readonly endpoint: string;
  readonly tableName: string;
  /** The event source mapping's filter. */
  readonly accepts: (record: DynamoDBRecord) => boolean;
  /** The function, as Lambda invokes it with a batch. */
  readonly handler: (event: { Records: DynamoDBRecord[] }) => Promise<DynamoDBBatchResponse | undefined>;
  /** Attempts of a failing record before it goes to the dead letters (the mapping's retryAttempts + 1). */
  readonly maxAttempts?: number;
  /** The first wait after a round that found nothing (20 ms by default), doubled while the stream stays idle. */
  readonly pollMs?: number;
  /** Real ms per ms of the stack's time (1 by default), as the local stack scales MX and Step Functions. */
  readonly timeScale?: number;
}

/**
 * Lambda reads each shard of a mapping four times a second. The twin reads again at once after
 * records, as a busy mapping does, and backs off to Lambda's pace, in the stack's time, while
 * the stream is idle: a quicker idle poll would only make DynamoDB Local answer empty reads, a
 * slower one would let a scaled wait for a webhook run out before the webhook is read.
 */
const LAMBDA_IDLE_POLL_MS = 250;

/** A record's attempts before it is dead-lettered, as the stack's mappings make them. */
const DEFAULT_ATTEMPTS = TABLE_DEFINITION.streamRetries + 1;

/** What a stream mapping's on-failure destination receives of a failed batch (DDBStreamBatchInfo). */
export interface StreamDeadLetter {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly batchSize: number;
}

export interface StreamConsumer {
  /**
   * Records that failed every attempt, as the mapping's on-failure destination keeps them: where
   * they were in the stream, not the records themselves (those stay in the stream for 24 h).
   */
  readonly deadLetters: StreamDeadLetter[];
  /** Records the function took without reporting a failure, so far. */
  processed(): number;
  stop(): Promise<void>;
}

/**
 * The twin of a Lambda event source mapping on the table's stream: DynamoDB Local's own Streams
 * API read shard by shard, the mapping's filter applied, batches handed to the function, and a
 * reported failure retried from its record (ReportBatchItemFailures) before it is dead-lettered.
 * It starts at the stream's end (LATEST), as a new mapping does.
 */
export async function startStreamConsumer(options: StreamConsumerOptions): Promise<StreamConsumer> {
  const { Table } = await options.dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream`);
  const streams = new DynamoDBStreamsClient({
    endpoint: options.endpoint,
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
  const maxAttempts = options.maxAttempts ?? DEFAULT_ATTEMPTS;
  const pollMs = options.pollMs ?? 20;
  const idlePollMs = Math.max(pollMs, LAMBDA_IDLE_POLL_MS * (options.timeScale ?? 1));
  const deadLetters: StreamDeadLetter[] = [];
  let processed = 0;
  // Shard id → its iterator; a closed shard leaves the map once read to its end.
  const iterators = new Map<string, string>();
  // Shard id → the last record read from it: where a new iterator resumes, so nothing is read twice.
  const lastRead = new Map<string, string>();
  const finished = new Set<string>();
  // Stopping also cuts short an idle wait: a stack stops at once, not up to a poll later.
  const stopping = new AbortController();

  const allShards = async () => {
    const shards = [];
    let from: string | undefined;
    do {
      const { StreamDescription } = await streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ...(from ? { ExclusiveStartShardId: from } : {}) }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      from = StreamDescription?.LastEvaluatedShardId;
    } while (from);
    return shards;
  };

  /** A new iterator for a shard: after its last record read, else from `type`. */
  const iteratorFor = async (shardId: string, type: 'LATEST' | 'TRIM_HORIZON') => {
    const after = lastRead.get(shardId);
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: type }),
      }),
    );
    return ShardIterator;
  };

  const discoverShards = async (type: 'LATEST' | 'TRIM_HORIZON') => {
    for (const shard of await allShards()) {
      const id = shard.ShardId;
      if (!id || iterators.has(id) || finished.has(id)) continue;
      // At start only open shards matter; a shard found later is read from its beginning.
      if (type === 'LATEST' && shard.SequenceNumberRange?.EndingSequenceNumber) {
        finished.add(id);
        continue;
      }
      const iterator = await iteratorFor(id, type);
      if (iterator) iterators.set(id, iterator);
    }
  };

  const deliver = async (shardId: string, records: DynamoDBRecord[]) => {
    let pending = records;
    // Attempts at the record that fails now: the batch resumes from it, and a record that fails
    // after the ones before it went through starts its own count, as the mapping counts retries.
    let attempts = 0;
    while (pending.length > 0) {
      const failed = await options
        .handler({ Records: pending })
        .then((response) => response?.batchItemFailures[0]?.itemIdentifier)
        .catch(() => pending[0]?.dynamodb?.SequenceNumber);
      if (failed === undefined) {
        processed += pending.length;
        return;
      }
      const from = Math.max(
        0,
        pending.findIndex((r) => r.dynamodb?.SequenceNumber === failed),
      );
      processed += from;
      attempts = from > 0 ? 1 : attempts + 1;
      pending = pending.slice(from);
      if (attempts >= maxAttempts) {
        // The failing record goes to the dead letters; the batch goes on after it.
        const sequence = String(pending[0]?.dynamodb?.SequenceNumber);
        deadLetters.push({ shardId, startSequenceNumber: sequence, endSequenceNumber: sequence, batchSize: 1 });
        pending = pending.slice(1);
        attempts = 0;
      }
    }
  };

  const readShard = async (id: string, iterator: string) => {
    try {
      const { Records = [], NextShardIterator } = await streams.send(
        new GetRecordsCommand({ ShardIterator: iterator }),
      );
      const accepted = Records.map(asLambdaRecord).filter(options.accepts);
      if (accepted.length > 0) await deliver(id, accepted);
      if (NextShardIterator) iterators.set(id, NextShardIterator);
      else {
        iterators.delete(id);
        finished.add(id);
      }
      return Records.length;
    } catch (error) {
      // DynamoDB Local answers TrimmedDataAccess to an iterator taken on a shard with no records
      // yet once the instance's other tables have moved its sequence numbers on; an iterator also
      // expires. Either way: a new one, after the last record read (from the start if none was).
      if (!(error instanceof TrimmedDataAccessException) && !(error instanceof ExpiredIteratorException)) throw error;
      const fresh = await iteratorFor(id, 'TRIM_HORIZON');
      if (fresh) iterators.set(id, fresh);
      else iterators.delete(id);
      return 0;
    }
  };

  await discoverShards('LATEST');
  const loop = (async () => {
    let rounds = 0;
    let waitMs = pollMs;
    while (!stopping.signal.aborted) {
      let read = 0;
      try {
        for (const [id, iterator] of [...iterators]) read += await readShard(id, iterator);
        // New shards appear as DynamoDB Local rolls them over: look again now and then.
        rounds += 1;
        if (iterators.size === 0 || rounds % 50 === 0) await discoverShards('TRIM_HORIZON');
      } catch {
        // DynamoDB Local going away as the stack stops, or a passing fault: try again next round.
      }
      if (read > 0) waitMs = pollMs;
      else {
        await sleep(waitMs, undefined, { signal: stopping.signal }).catch(() => undefined);
        waitMs = Math.min(waitMs * 2, idlePollMs);
      }
    }
  })();

  return {
    deadLetters,
    processed: () => processed,
    stop: async () => {
      stopping.abort();
      await loop;
      streams.destroy();
    },
  };
}

type Attribute = Record<string, unknown>;

/**
 * DynamoDB Local's stream writes an empty map as `{}` where DynamoDB writes `{"M": {}}` (its
 * tables answer `{"M": {}}`; only its stream drops the type): put the type back, at any depth,
 * so the functions meet the images DynamoDB's stream would give them.
 */
function repairedImage(image: Record<string, Attribute> | undefined): Record<string, Attribute> | undefined {
  if (!image) return image;
  const repair = (value: Attribute): Attribute => {
    if (Object.keys(value).length === 0) return { M: {} };
    if (value.M) return { M: repairedImage(value.M as Record<string, Attribute>) };
    if (Array.isArray(value.L)) return { L: (value.L as Attribute[]).map(repair) };
    return value;
  };
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, repair(value)]));
}

/** A Streams API record as Lambda hands it to a function: the same fields, dates as epoch seconds. */
function asLambdaRecord(record: StreamRecord): DynamoDBRecord {
  const { ApproximateCreationDateTime, NewImage, OldImage, ...rest } = record.dynamodb ?? {};
  const dynamodb = {
    ...rest,
    ...(NewImage ? { NewImage: repairedImage(NewImage as unknown as Record<string, Attribute>) } : {}),
    ...(OldImage ? { OldImage: repairedImage(OldImage as unknown as Record<string, Attribute>) } : {}),
  };
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion,
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion,
    dynamodb: {
      ...(dynamodb as DynamoDBRecord['dynamodb']),
      ...(ApproximateCreationDateTime
        ? { ApproximateCreationDateTime: ApproximateCreationDateTime.getTime() / 1000 }
        : {}),
    },
  };
}
