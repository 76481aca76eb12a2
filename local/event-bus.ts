import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { AwsServiceError, awsJsonProtocol } from './aws-json-protocol.js';
import { listen } from './http-server.js';

/** An event as an EventBridge rule's target receives it. */
export interface DeliveredEvent {
  readonly version: '0';
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly account: string;
  readonly region: string;
  readonly time: string;
  readonly resources: string[];
  readonly detail: Record<string, unknown>;
}

export interface LocalEventBus {
  /** Use as `AWS_ENDPOINT_URL_EVENTBRIDGE`. */
  readonly endpoint: string;
  /** Every event put on the bus so far, in order. */
  events(): readonly DeliveredEvent[];
  /** Called with each event as it is put on the bus (a rule's target); answers how to stop. */
  subscribe(listener: (event: DeliveredEvent) => void): () => void;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
/** EventBridge's limits: 10 entries a call, 256 KB an entry. */
const MAX_ENTRIES = 10;
const MAX_ENTRY_BYTES = 256 * 1024;

/**
 * The twin of the stack's EventBridge bus on a loopback port: PutEvents over EventBridge's JSON
 * 1.1 protocol, with its limits (the bus must exist, 10 entries a call, 256 KB an entry, a
 * detail that is a JSON object), each event handed to the subscribers as a rule delivers it.
 */
export async function startLocalEventBus(options: { busName: string; port?: number }): Promise<LocalEventBus> {
  const delivered: DeliveredEvent[] = [];
  const listeners = new Set<(event: DeliveredEvent) => void>();
  const protocol = awsJsonProtocol({
    targetPrefix: 'AWSEvents.',
    version: '1.1',
    serviceName: 'The local EventBridge',
    operations: {
      PutEvents(input) {
        const entries = Array.isArray(input.Entries) ? (input.Entries as Record<string, unknown>[]) : [];
        if (entries.length === 0 || entries.length > MAX_ENTRIES) {
          throw new AwsServiceError('ValidationException', `Entries must hold 1 to ${MAX_ENTRIES} entries`);
        }
        const results = entries.map((entry) => {
          if (entry.EventBusName !== options.busName) {
            throw new AwsServiceError(
              'ResourceNotFoundException',
              `Event bus ${String(entry.EventBusName)} does not exist.`,
            );
          }
          if (Buffer.byteLength(JSON.stringify(entry)) > MAX_ENTRY_BYTES) {
            return { ErrorCode: 'ValidationException', ErrorMessage: 'Total size of the entry exceeds 256 KB' };
          }
          let detail: unknown;
          try {
            detail = JSON.parse(String(entry.Detail));
          } catch {
            return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
          }
          if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
            return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
          }
          const event: DeliveredEvent = {
            version: '0',
            id: randomUUID(),
            source: String(entry.Source),
            'detail-type': String(entry.DetailType),
            account: ACCOUNT,
            region: REGION,
            time: new Date(typeof entry.Time === 'number' ? entry.Time * 1000 : Date.now()).toISOString(),
            resources: Array.isArray(entry.Resources) ? (entry.Resources as string[]) : [],
            detail: detail as Record<string, unknown>,
          };
          delivered.push(event);
          for (const listener of listeners) listener(event);
          return { EventId: event.id };
        });
        return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
      },
    },
  });
  const server = await listen(createServer(protocol), { port: options.port ?? 0 });
  return {
    endpoint: server.url,
    events: () => delivered,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: server.stop,
  };
}
