// What every command gets: where to write, whether it may ask, and the API client.
import { InvalidArgumentError } from 'commander';
import { MxflowApiClient } from './api-client.js';
import type { Prompts } from './prompt-challenges.js';

export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

export interface CliIo {
  /** Results (stdout). */
  out(text: string): void;
  /** Progress, notes and errors (stderr). */
  err(text: string): void;
  /** Whether stdout is a terminal (progress may redraw a spinner line). */
  readonly isTTY: boolean;
  /** Whether a person is there to answer prompts (stdin and stderr are terminals). */
  readonly interactive: boolean;
  readonly prompts: Prompts;
  /** The environment (AWS_ENDPOINT_URL_EVENTBRIDGE, AWS_ENDPOINT_URL_SQS for a local bus); tests may swap it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Makes the API client; tests may swap it. */
  readonly apiClient?: (url: string) => MxflowApiClient;
}

/** Bad usage found after commander parsed the line: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A job or a request that did not go as asked, already explained: exit code 1 (or `exitCode`). */
export class Failed extends Error {
  override readonly name = 'Failed';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export interface GlobalOptions {
  readonly api: string;
  readonly json: boolean;
}

export interface Ctx {
  readonly io: CliIo;
  readonly api: MxflowApiClient;
  readonly apiUrl: string;
  readonly json: boolean;
  /** Results: JSON when --json, else the human text. */
  show(human: () => string, data: unknown): void;
  /** A progress or note line: stderr with --json (stdout stays JSON), else stdout. */
  note(line: string): void;
}

export function makeCtx(io: CliIo, globals: GlobalOptions): Ctx {
  const api = io.apiClient ? io.apiClient(globals.api) : new MxflowApiClient(globals.api);
  return {
    io,
    api,
    apiUrl: globals.api,
    json: globals.json,
    show: (human, data) => io.out(globals.json ? `${JSON.stringify(data, null, 2)}\n` : human()),
    note: (line) => (globals.json ? io.err(`${line}\n`) : io.out(`${line}\n`)),
  };
}

// ── option parsers: a malformed value is bad usage (exit 2), caught before any request ─────────
const guid = (prefix: string, what: string) => (value: string) => {
  if (!new RegExp(`^${prefix}-[A-Za-z0-9-]{1,64}$`).test(value))
    throw new InvalidArgumentError(`a ${what} guid starts with ${prefix}- (e.g. ${prefix}-1234…)`);
  return value;
};
export const userGuid = guid('USR', 'user');
export const memberGuid = guid('MBR', 'member');
export function jobGuid(value: string): string {
  if (!/^JOB-[0-9a-f]{12}-[0-9a-f]{16}$/.test(value))
    throw new InvalidArgumentError('a job guid looks like JOB-0123456789ab-0123456789abcdef');
  return value;
}
export const accountGuid = guid('ACT', 'account');

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('must be a whole number of 1 or more');
  return n;
}

export function isoDate(value: string): string {
  const d = new Date(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(d.getTime()) || !d.toISOString().startsWith(value))
    throw new InvalidArgumentError('must be a date as YYYY-MM-DD');
  return value;
}

/** For repeatable options: `--answer a --answer b` → ['a', 'b']. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];
