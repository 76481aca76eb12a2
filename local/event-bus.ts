import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { AwsServiceError, awsJsonProtocol } from './aws-json-protocol.js';
import { type EventPattern, matchesEventPattern, parseEventPattern } from './event-pattern.js';
import { listen } from './http-server.js';
import type { LocalSqs } from './sqs.js';

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
  /** Names of the rules put on the bus (with `sqs`). */
  ruleNames(): string[];
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
/** EventBridge's rule names and target limits. */
const RULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const MAX_TARGETS = 5;

interface Rule {
  readonly arn: string;
  readonly pattern: EventPattern;
  readonly enabled: boolean;
  /** Target id → the SQS queue's ARN. */
  readonly targets: Map<string, string>;
}

/**
 * The twin of the stack's EventBridge bus on a loopback port: PutEvents over EventBridge's JSON
 * 1.1 protocol, with its limits (the bus must exist, 10 entries a call, 256 KB an entry, a
 * detail that is a JSON object), each event handed to the subscribers as a rule delivers it.
 * With `sqs`, rules can be put on it too (PutRule, PutTargets, RemoveTargets, DeleteRule) whose
 * targets are that SQS twin's queues: each event that matches a rule's pattern is sent to its
 * queues, when their policies let the rule send, as a follower's own rule and queue get it.
 */
export async function startLocalEventBus(options: {
  busName: string;
  port?: number;
  sqs?: LocalSqs;
}): Promise<LocalEventBus> {
  const delivered: DeliveredEvent[] = [];
  const listeners = new Set<(event: DeliveredEvent) => void>();
  const rules = new Map<string, Rule>();
  const onThisBus = (input: Record<string, unknown>) => {
    if ((input.EventBusName ?? 'default') !== options.busName) {
      throw new AwsServiceError('ResourceNotFoundException', `Event bus ${String(input.EventBusName)} does not exist.`);
    }
  };
  const ruleOf = (input: Record<string, unknown>, field: 'Name' | 'Rule'): Rule => {
    onThisBus(input);
    const rule = rules.get(String(input[field]));
    if (!rule) throw new AwsServiceError('ResourceNotFoundException', `Rule ${String(input[field])} does not exist.`);
    return rule;
  };
  const route = (event: DeliveredEvent) => {
    for (const rule of rules.values()) {
      if (!rule.enabled || !matchesEventPattern(rule.pattern, event)) continue;
      for (const queueArn of rule.targets.values()) options.sqs?.deliverFrom(rule.arn, queueArn, JSON.stringify(event));
    }
  };
  const ruleOperations = {
    PutRule(input: Record<string, unknown>) {
      onThisBus(input);
      const name = String(input.Name ?? '');
      if (!RULE_NAME.test(name)) {
        throw new AwsServiceError('ValidationException', 'Rule names are 1 to 64 of [.-_A-Za-z0-9].');
      }
      const arn = `arn:aws:events:${REGION}:${ACCOUNT}:rule/${options.busName}/${name}`;
      const targets = rules.get(name)?.targets ?? new Map<string, string>();
      const pattern = parseEventPattern(input.EventPattern);
      rules.set(name, { arn, pattern, enabled: (input.State ?? 'ENABLED') === 'ENABLED', targets });
      return { RuleArn: arn };
    },
    PutTargets(input: Record<string, unknown>) {
      const rule = ruleOf(input, 'Rule');
      const targets = Array.isArray(input.Targets) ? (input.Targets as { Id?: string; Arn?: string }[]) : [];
      for (const target of targets) {
        if (!String(target.Arn).startsWith('arn:aws:sqs:')) {
          throw new AwsServiceError('ValidationException', 'The local bus delivers to SQS queues only.');
        }
      }
      const ids = new Set([...rule.targets.keys(), ...targets.map((t) => String(t.Id))]);
      if (ids.size > MAX_TARGETS) {
        throw new AwsServiceError('LimitExceededException', `A rule has at most ${MAX_TARGETS} targets.`);
      }
      for (const target of targets) rule.targets.set(String(target.Id), String(target.Arn));
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    RemoveTargets(input: Record<string, unknown>) {
      const rule = ruleOf(input, 'Rule');
      for (const id of Array.isArray(input.Ids) ? input.Ids : []) rule.targets.delete(String(id));
      return { FailedEntryCount: 0, FailedEntries: [] };
    },
    DeleteRule(input: Record<string, unknown>) {
      onThisBus(input);
      const rule = rules.get(String(input.Name));
      if (rule && rule.targets.size > 0) {
        throw new AwsServiceError('ValidationException', "Rule can't be deleted since it has targets.");
      }
      rules.delete(String(input.Name));
      return {};
    },
  };
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
          onThisBus(entry);
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
          route(event);
          return { EventId: event.id };
        });
        return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
      },
      ...(options.sqs ? ruleOperations : {}),
    },
  });
  const server = await listen(createServer(protocol), { port: options.port ?? 0 });
  return {
    endpoint: server.url,
    events: () => delivered,
    ruleNames: () => [...rules.keys()],
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: server.stop,
  };
}
