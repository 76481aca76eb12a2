import { randomBytes } from 'node:crypto';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { Duration } from 'aws-cdk-lib';
import { type LocalMxflow, type LocalMxflowOptions, startLocalMxflow } from '#local/local-mxflow.js';
import type { JobType } from '#shared/contract/workflow.js';
import { FieldCipher } from '#shared/crypto/field-cipher.js';
import { localFieldKeyring } from '#shared/runtime/field-keyring.js';
import type { ResultFieldCipher } from '#shared/store/result-store.js';
import type { ApiJob, ScriptedBackend } from '#test/support/scripted-backend.js';

/** One measured figure, with the command that reproduces it. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** e.g. "≤ 1.1"; absent when there is none. */
  readonly target?: string;
  readonly met?: boolean;
  readonly command: string;
  readonly notes?: string;
}

export interface BenchResult {
  readonly bench: string;
  readonly command: string;
  readonly seconds: number;
  readonly figures: Figure[];
  readonly details: Record<string, unknown>;
}

export const MARKER = 'BENCH-RESULT ';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
}

export const median = (values: readonly number[]) => quantile(values, 0.5);
export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The whole system on this machine, with the DynamoDB Local `npm run bench` shares (or its own). */
export async function benchStack(
  name: string,
  options: Omit<LocalMxflowOptions, 'dynamoEndpoint' | 'tableName'> = {},
): Promise<LocalMxflow> {
  const dynamoEndpoint = process.env.BENCH_DYNAMO_ENDPOINT || undefined;
  return startLocalMxflow({
    ...(dynamoEndpoint ? { dynamoEndpoint } : {}),
    tableName: `bench-${name}-${process.pid}`,
    workflowSettings: {
      challengeTimeout: Duration.hours(6),
      executionTimeout: Duration.days(2),
      ...options.workflowSettings,
    },
    ...options,
    environment: { POWERTOOLS_LOG_LEVEL: 'ERROR', ...options.environment },
  });
}

/** FetchResults' cipher over a key of this run: a bench's copy encrypts account numbers and owners as a job's does. */
export function copyFieldCipher(): ResultFieldCipher {
  const cipher = new FieldCipher(() => localFieldKeyring(randomBytes(32)));
  return { seal: cipher.seal.bind(cipher) };
}

/** Prints the result for `bench/run.ts` (one marked line) and a readable summary for a person. */
export function report(result: BenchResult): void {
  for (const f of result.figures) {
    console.error(
      `${f.name}: ${f.value} ${f.unit}${f.target ? ` (target ${f.target}: ${f.met ? 'met' : 'NOT met'})` : ''}`,
    );
  }
  console.log(MARKER + JSON.stringify(result));
}

export function figure(
  name: string,
  value: number,
  unit: string,
  command: string,
  extra: { target?: string; met?: boolean; notes?: string } = {},
): Figure {
  return { name, value, unit, command, ...extra };
}

/** Runs a benchmark script to its end and exits with its outcome: stacks and servers it left cannot keep it alive. */
export function runScript(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** `count` aggregate jobs side by side, each on a new user and member, followed to SUCCEEDED. */
export async function aggregateJobs(api: ScriptedBackend, idPrefix: string, count: number): Promise<ApiJob[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const { userGuid, memberGuid } = await api.userWithMember(`${idPrefix}-${i}`, 'password');
      const started = await api.startJob('aggregate', userGuid, memberGuid);
      const { job } = await api.follow(started, 'correct', { pollMs: 500, timeoutMs: 600_000 });
      if (job.status !== 'SUCCEEDED') throw new Error(`job ${job.guid} ended ${job.status}`);
      return job;
    }),
  );
}

/** The execution history of a job (its execution is named after it). */
export async function jobHistory(stack: LocalMxflow, jobType: JobType, jobGuid: string): Promise<HistoryEvent[]> {
  const arn = stack.stepFunctions
    .listExecutions({ stateMachineArn: stack.stateMachineArns[jobType], maxResults: 1000 })
    .executions?.find((e) => e.name === jobGuid)?.executionArn;
  const { events = [] } = await stack.stepFunctions.getExecutionHistory({
    executionArn: String(arn),
    maxResults: 1000,
  });
  return events;
}
