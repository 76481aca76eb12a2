import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { AwsServiceError, sendAwsJson } from '#local/aws-json-protocol.js';
import { listen } from '#local/http-server.js';
import { readBody } from '#local/read-body.js';
import { TABLE_DEFINITION } from '#shared/store/table-definition.js';
import type { FaultRandom } from './fault-random.js';
import { type PartitionWrite, PartitionWriteCeiling, type PartitionWriteStats } from './partition-write-ceiling.js';
import { type WireItem, writeUnits } from './write-units.js';

/** How long the layer keeps an idle client connection open. */
const IDLE_CONNECTION_MS = 120_000;

/** What the layer in front of DynamoDB Local does besides forwarding; every rate is a share of calls, 0–1. */

export interface DynamoDbFaults {
  /** Any call answered `ThrottlingException`, as DynamoDB does when its control of request rates steps in. */
  readonly throttlingRate?: number;
  /** Any call answered `ProvisionedThroughputExceededException`. */
  readonly throughputExceededRate?: number;
  /** BatchWriteItem calls that write only part of the batch and give the rest back as `UnprocessedItems`. */
  readonly unprocessedItemsRate?: number;
  /** TransactWriteItems calls cancelled with a `TransactionConflict`, as a concurrent transaction on an item causes. */
  readonly transactionConflictRate?: number;
  /**
   * DynamoDB's per-partition limit: `true` for its 1,000 write units a second per partition-key
   * value, or another number of units. Writes are measured (`stats()`) whether or not it is set.
   */
  readonly partitionWriteCeiling?: boolean | number;
  /**
   * Eventually consistent reads (GetItem, Query without `ConsistentRead: true`) miss items first
   * written less than this many ms ago, as a replica that has not caught up would.
   */
  readonly staleReadMs?: number;
}

export interface DynamoDbFaultStats extends PartitionWriteStats {
  readonly requests: number;
  readonly throttlingExceptions: number;
  readonly throughputExceeded: number;
  /** Batch items given back unwritten by `unprocessedItemsRate`. */
  readonly unprocessedItems: number;
  readonly transactionConflicts: number;
  /** Single writes (ProvisionedThroughputExceededException) and transactions refused over the ceiling. */
  readonly ceilingRefusals: number;
  /** Batch items given back unwritten because their partition key was over the ceiling. */
  readonly ceilingUnprocessedItems: number;
  /** Items an eventually consistent read did not see. */
  readonly staleReads: number;
}

export interface DynamoDbFaultProxy {
  /** What the handlers use as AWS_ENDPOINT_URL_DYNAMODB. */
  readonly endpoint: string;
  stats(): DynamoDbFaultStats;
  stop(): Promise<void>;
}

type Counter = Exclude<keyof DynamoDbFaultStats, keyof PartitionWriteStats>;

const TARGET_PREFIX = 'DynamoDB_20120810.';
const NAMESPACE = 'com.amazonaws.dynamodb.v20120810#';
const PER_PARTITION_LIMIT = 1_000;
/** How many stale-read marks between sweeps of those older than `staleReadMs`. */
const STALE_SWEEP_EVERY = 10_000;

const dynamoError = (type: string, message: string, fields: Record<string, unknown> = {}) =>
  new AwsServiceError(`${NAMESPACE}${type}`, message, 400, fields);
const throttling = () => dynamoError('ThrottlingException', 'Rate of requests exceeds the allowed throughput.');
const throughputExceeded = () =>
  dynamoError(
    'ProvisionedThroughputExceededException',
    'The level of configured provisioned throughput for the table was exceeded. ' +
      'Consider increasing your provisioning level with the UpdateTable API.',
  );
const transactionCanceled = (reasons: readonly { Code: string; Message?: string }[]) =>
  dynamoError(
    'TransactionCanceledException',
    `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
    { CancellationReasons: reasons },
  );

interface BatchRequest {
  readonly table: string;
  readonly request: { readonly PutRequest?: { Item: WireItem }; readonly DeleteRequest?: { Key: WireItem } };
}

/** A call the layer answers itself, or forwards (maybe changed) and then adjusts the answer of. */
type Decision =
  | { readonly refuse: AwsServiceError }
  | { readonly answer: Record<string, unknown> }
  | { readonly forward: string; readonly adjust?: (output: Record<string, unknown>) => Record<string, unknown> };

/**
 * A DynamoDB endpoint that forwards every call verbatim to DynamoDB Local and, as configured and
 * decided by a seeded random, answers it as DynamoDB would under load: throttled, partly
 * processed, cancelled by a conflict, refused over the per-partition ceiling, or read from a
 * replica that has not caught up. The refusals are shaped as DynamoDB's (`__type` + `message`),
 * so the SDK classifies and retries them as it does on AWS.
 */
export async function startDynamoDbFaultProxy(options: {
  readonly upstream: string;
  readonly faults: DynamoDbFaults;
  readonly random: FaultRandom;
  readonly port?: number;
  /** The clock of the write ceiling, in ms (default `performance.now`): a test may hold it still. */
  readonly now?: () => number;
}): Promise<DynamoDbFaultProxy> {
  const { faults, random } = options;
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const ceilingUnits = faults.partitionWriteCeiling === true ? PER_PARTITION_LIMIT : faults.partitionWriteCeiling;
  const ceiling = new PartitionWriteCeiling(typeof ceilingUnits === 'number' ? ceilingUnits : undefined, options.now);
  const counters: Record<Counter, number> = {
    requests: 0,
    throttlingExceptions: 0,
    throughputExceeded: 0,
    unprocessedItems: 0,
    transactionConflicts: 0,
    ceilingRefusals: 0,
    ceilingUnprocessedItems: 0,
    staleReads: 0,
  };
  const freshness = new FirstWrites(faults.staleReadMs);

  const admitted = (writes: readonly (PartitionWrite & { readonly itemKey: string })[]): boolean => {
    if (!ceiling.admit(writes)) return false;
    for (const write of writes) freshness.written(write.itemKey);
    return true;
  };

  const decide = (operation: string, input: Record<string, unknown>, body: string): Decision => {
    if (random.chance(faults.throttlingRate)) {
      counters.throttlingExceptions += 1;
      return { refuse: throttling() };
    }
    if (random.chance(faults.throughputExceededRate)) {
      counters.throughputExceeded += 1;
      return { refuse: throughputExceeded() };
    }
    const table = String(input.TableName ?? '');
    switch (operation) {
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem': {
        const write = singleWrite(operation, table, input);
        if (write && !admitted([write])) {
          counters.ceilingRefusals += 1;
          return { refuse: throughputExceeded() };
        }
        if (operation === 'DeleteItem' && write) freshness.deleted(write.itemKey);
        return { forward: body };
      }
      case 'TransactWriteItems':
        return decideTransaction(input, body);
      case 'BatchWriteItem':
        return decideBatch(input);
      case 'GetItem': {
        if (input.ConsistentRead === true || !freshness.enabled) return { forward: body };
        const key = input.Key as WireItem | undefined;
        if (key && freshness.isFresh(itemKeyOf(table, key))) {
          counters.staleReads += 1;
          return { answer: {} };
        }
        return { forward: body };
      }
      case 'Query':
        if (input.ConsistentRead === true || !freshness.enabled) return { forward: body };
        return { forward: body, adjust: (output) => withoutFreshItems(table, output) };
      default:
        return { forward: body };
    }
  };

  const decideTransaction = (input: Record<string, unknown>, body: string): Decision => {
    const items = (input.TransactItems ?? []) as Record<string, { TableName?: string } & Record<string, unknown>>[];
    if (items.length > 0 && random.chance(faults.transactionConflictRate)) {
      counters.transactionConflicts += 1;
      const conflicting = Math.floor(random.next() * items.length);
      return {
        refuse: transactionCanceled(
          items.map((_, index) =>
            index === conflicting
              ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
              : { Code: 'None' },
          ),
        ),
      };
    }
    const writes = items.map((item) => {
      const [kind, action] = Object.entries(item)[0] ?? [];
      if (kind === 'ConditionCheck' || !action) return undefined;
      const table = String((action as { TableName?: string }).TableName ?? '');
      const operation = kind === 'Put' ? 'PutItem' : kind === 'Delete' ? 'DeleteItem' : 'UpdateItem';
      return singleWrite(operation, table, action as Record<string, unknown>, true);
    });
    const present = writes.filter((write) => write !== undefined);
    if (!admitted(present)) {
      counters.ceilingRefusals += 1;
      // A transaction over the partition's capacity is cancelled, the over-capacity items named.
      return {
        refuse: transactionCanceled(
          writes.map((write) =>
            write
              ? {
                  Code: 'ProvisionedThroughputExceeded',
                  Message: 'Throughput exceeds the current capacity for one or more partitions.',
                }
              : { Code: 'None' },
          ),
        ),
      };
    }
    items.forEach((item, index) => {
      const write = writes[index];
      if (write && 'Delete' in item) freshness.deleted(write.itemKey);
    });
    return { forward: body };
  };

  const decideBatch = (input: Record<string, unknown>): Decision => {
    const requestItems = (input.RequestItems ?? {}) as Record<string, BatchRequest['request'][]>;
    const requests: BatchRequest[] = Object.entries(requestItems).flatMap(([table, list]) =>
      list.map((request) => ({ table, request })),
    );
    const heldBack = new Set<BatchRequest>();
    if (requests.length > 1 && random.chance(faults.unprocessedItemsRate)) {
      // A random part of the batch, never all of it nor none of it.
      for (const request of requests) if (random.next() < 0.5) heldBack.add(request);
      if (heldBack.size === 0) heldBack.add(requests[Math.floor(random.next() * requests.length)] as BatchRequest);
      if (heldBack.size === requests.length) heldBack.delete(requests[0] as BatchRequest);
    }
    const randomlyHeldBack = heldBack.size;
    const sent: BatchRequest[] = [];
    let overCeiling = 0;
    for (const entry of requests) {
      if (heldBack.has(entry)) continue;
      const { PutRequest: put, DeleteRequest: remove } = entry.request;
      const write = put
        ? singleWrite('PutItem', entry.table, put)
        : remove
          ? singleWrite('DeleteItem', entry.table, remove)
          : undefined;
      if (write && !admitted([write])) {
        heldBack.add(entry);
        overCeiling += 1;
        continue;
      }
      if (write && remove) freshness.deleted(write.itemKey);
      sent.push(entry);
    }
    if (sent.length === 0 && requests.length > 0) {
      // DynamoDB refuses a batch none of whose items it could write for lack of throughput.
      counters.ceilingRefusals += 1;
      return { refuse: throughputExceeded() };
    }
    counters.unprocessedItems += randomlyHeldBack;
    counters.ceilingUnprocessedItems += overCeiling;
    if (heldBack.size === 0) return { forward: JSON.stringify(input) };
    return {
      forward: JSON.stringify({ ...input, RequestItems: grouped(sent) }),
      adjust: (output) => {
        const unprocessed = (output.UnprocessedItems ?? {}) as Record<string, BatchRequest['request'][]>;
        for (const entry of requests) {
          if (!heldBack.has(entry)) continue;
          unprocessed[entry.table] = [...(unprocessed[entry.table] ?? []), entry.request];
        }
        return { ...output, UnprocessedItems: unprocessed };
      },
    };
  };

  const withoutFreshItems = (table: string, output: Record<string, unknown>): Record<string, unknown> => {
    const items = output.Items as WireItem[] | undefined;
    if (!items) return output;
    const seen = items.filter((item) => !freshness.isFresh(itemKeyOf(table, item)));
    if (seen.length === items.length) return output;
    counters.staleReads += items.length - seen.length;
    return { ...output, Items: seen, Count: seen.length };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readBody(request);
    counters.requests += 1;
    const target = request.headers['x-amz-target'];
    const operation =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    const input = parseObject(body);
    const decision = input ? decide(operation, input, body) : { forward: body };
    if ('refuse' in decision) return sendAwsJson(response, '1.0', decision.refuse.status, decision.refuse.body);
    if ('answer' in decision) return sendAwsJson(response, '1.0', 200, decision.answer);
    const answer = await forward(request, decision.forward);
    const output = decision.adjust && answer.status === 200 ? parseObject(answer.body.toString('utf8')) : undefined;
    if (output && decision.adjust) return sendAwsJson(response, '1.0', 200, decision.adjust(output));
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
  };

  const forward = (request: IncomingMessage, body: string) =>
    new Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }>((resolve, reject) => {
      const headers: Record<string, string | string[] | undefined> = {
        ...request.headers,
        host: upstream.host,
        'content-length': String(Buffer.byteLength(body)),
        // Plain bodies: the layer reads what it adjusts.
        'accept-encoding': 'identity',
      };
      delete headers.connection;
      const outgoing = httpRequest(
        { hostname: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers, agent },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const kept: Record<string, string | string[]> = {};
            for (const [name, value] of Object.entries(incoming.headers)) {
              if (value !== undefined && !['connection', 'keep-alive', 'transfer-encoding'].includes(name))
                kept[name] = value;
            }
            const answer = Buffer.concat(chunks);
            kept['content-length'] = String(answer.length);
            resolve({ status: incoming.statusCode ?? 500, headers: kept, body: answer });
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return response.destroy();
      sendAwsJson(response, '1.0', 500, {
        __type: `${NAMESPACE}InternalServerError`,
        message: `The DynamoDB fault layer could not reach DynamoDB Local: ${error instanceof Error ? error.message : error}`,
      });
    });
  });
  // Node closes a keep-alive connection idle for 5 s, and a client reusing it just then sees
  // ECONNRESET: a fault of this layer, not of DynamoDB, whose endpoints keep idle connections
  // far longer. The throttle back-offs leave connections idle for seconds.
  server.keepAliveTimeout = IDLE_CONNECTION_MS;
  const listening = await listen(server, { port: options.port ?? 0 });
  return {
    endpoint: listening.url,
    stats: () => ({ ...counters, ...ceiling.stats() }),
    async stop() {
      await listening.stop();
      agent.destroy();
    },
  };
}

/** When each item was first written, for reads that do not see recent items. */
class FirstWrites {
  private readonly at = new Map<string, number>();
  private marksSinceSweep = 0;

  constructor(private readonly staleMs: number | undefined) {}

  get enabled(): boolean {
    return this.staleMs !== undefined && this.staleMs > 0;
  }

  written(itemKey: string): void {
    if (!this.enabled || this.at.has(itemKey)) return;
    this.at.set(itemKey, performance.now());
    this.marksSinceSweep += 1;
    if (this.marksSinceSweep >= STALE_SWEEP_EVERY) this.sweep();
  }

  deleted(itemKey: string): void {
    this.at.delete(itemKey);
  }

  isFresh(itemKey: string): boolean {
    const at = this.at.get(itemKey);
    return at !== undefined && performance.now() - at < (this.staleMs ?? 0);
  }

  private sweep(): void {
    this.marksSinceSweep = 0;
    for (const [itemKey, at] of this.at) if (performance.now() - at >= (this.staleMs ?? 0)) this.at.delete(itemKey);
  }
}

/** The write one item-level call makes, with the item it lands on; undefined without a partition key. */
function singleWrite(
  operation: 'PutItem' | 'UpdateItem' | 'DeleteItem',
  table: string,
  input: Record<string, unknown>,
  transactional = false,
): (PartitionWrite & { readonly itemKey: string }) | undefined {
  const key = (operation === 'PutItem' ? input.Item : input.Key) as WireItem | undefined;
  const partitionValue = key ? attributeText(key[TABLE_DEFINITION.partitionKey]) : undefined;
  if (!key || partitionValue === undefined) return undefined;
  // An update is billed on the larger of the item before and after; what it sets is the part known here.
  const billed =
    operation === 'PutItem'
      ? key
      : operation === 'UpdateItem'
        ? { ...key, ...((input.ExpressionAttributeValues as WireItem | undefined) ?? {}) }
        : undefined;
  return {
    partitionKey: `${table}/${partitionValue}`,
    units: writeUnits(billed, { transactional }),
    itemKey: itemKeyOf(table, key),
  };
}

function itemKeyOf(table: string, item: WireItem): string {
  const { partitionKey, sortKey } = TABLE_DEFINITION;
  return JSON.stringify([table, item[partitionKey] ?? null, item[sortKey] ?? null]);
}

/** A key attribute's value as text (`{S: "…"}`, `{N: "…"}` or `{B: "…"}`). */
function attributeText(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const inner = Object.values(value)[0];
  return typeof inner === 'string' ? inner : undefined;
}

function grouped(requests: readonly BatchRequest[]): Record<string, BatchRequest['request'][]> {
  const byTable: Record<string, BatchRequest['request'][]> = {};
  for (const { table, request } of requests) byTable[table] = [...(byTable[table] ?? []), request];
  return byTable;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
