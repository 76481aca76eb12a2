import { randomBytes } from 'node:crypto';
import { StepFunctionsError } from './errors.js';
import { type JsonValue, tryParseJson } from './json.js';
import { TaskFailure } from './task-errors.js';

type Outcome = { ok: true; output: JsonValue } | { ok: false; failure: TaskFailure };

interface TokenRecord {
  executionArn: string;
  stateName: string;
  open: boolean;
  timer?: NodeJS.Timeout;
  settle: (outcome: Outcome) => void;
  outcome: Promise<Outcome>;
}

/**
 * Task tokens of `.waitForTaskToken` tasks. A token is minted per entry into the state (and per
 * retry), is open until SendTaskSuccess/SendTaskFailure, the task's timeout or the end of its
 * execution, and is then closed for good: AWS answers TaskTimedOut for a closed token and
 * InvalidToken for one it never issued.
 */
export class TaskTokens {
  private readonly tokens = new Map<string, TokenRecord>();

  /**
   * Issues a token. `timeoutMs` mirrors the task's (scaled) TimeoutSeconds: the library raises
   * States.Timeout itself, this only closes the token at the same moment.
   */
  mint(executionArn: string, stateName: string, timeoutMs?: number): string {
    const token = `local-${randomBytes(48).toString('base64url')}`;
    let settle!: (outcome: Outcome) => void;
    const outcome = new Promise<Outcome>((resolve) => (settle = resolve));
    const record: TokenRecord = { executionArn, stateName, open: true, settle, outcome };
    if (timeoutMs !== undefined) record.timer = setTimeout(() => this.close(record), timeoutMs);
    this.tokens.set(token, record);
    return token;
  }

  /**
   * Resolves with the SendTaskSuccess output, rejects with the SendTaskFailure error, and stays
   * pending if the token is closed otherwise (timeout or execution end settle the task elsewhere).
   */
  async wait(token: string): Promise<JsonValue> {
    const record = this.tokens.get(token);
    if (!record) throw new Error(`Unknown task token ${token}`);
    const outcome = await record.outcome;
    if (outcome.ok) return outcome.output;
    throw outcome.failure;
  }

  succeed(token: string, outputText: string): void {
    const output = tryParseJson(outputText);
    if (output === undefined)
      throw new StepFunctionsError('InvalidOutput', 'Invalid State Machine Output: output is not valid JSON');
    this.settleOpen(token, { ok: true, output });
  }

  fail(token: string, error?: string, cause?: string): void {
    this.settleOpen(token, { ok: false, failure: new TaskFailure(error ?? '', cause ?? '') });
  }

  /** Closes every token of an execution (it ended or was stopped). */
  closeAllFor(executionArn: string): void {
    for (const record of this.tokens.values()) {
      if (record.executionArn === executionArn) this.close(record);
    }
  }

  /** Closes the token without settling its waiter. */
  discard(token: string): void {
    const record = this.tokens.get(token);
    if (record) this.close(record);
  }

  private settleOpen(token: string, outcome: Outcome): void {
    const record = this.openRecord(token);
    this.close(record);
    record.settle(outcome);
  }

  private openRecord(token: string): TokenRecord {
    const record = this.tokens.get(token);
    if (!record)
      throw new StepFunctionsError('InvalidToken', 'Invalid Token: the task token was not issued by this service');
    if (!record.open) {
      throw new StepFunctionsError(
        'TaskTimedOut',
        'Task Timed Out: the task token has expired or its task is already closed',
      );
    }
    return record;
  }

  private close(record: TokenRecord): void {
    record.open = false;
    clearTimeout(record.timer);
  }
}
