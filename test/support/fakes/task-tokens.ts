import type { TaskTokens } from '#shared/jobs/task-tokens.js';

/** Task tokens in memory: which were resumed or failed, and which are closed (timed out). */
export class FakeTaskTokens implements TaskTokens {
  readonly succeeded: string[] = [];
  readonly failed: { token: string; error: string; cause: string }[] = [];
  /** Tokens whose wait has ended: answering them answers false, as Step Functions' TaskTimedOut. */
  readonly closed = new Set<string>();

  async succeed(token: string): Promise<boolean> {
    if (this.closed.has(token)) return false;
    this.succeeded.push(token);
    this.closed.add(token);
    return true;
  }

  async fail(token: string, error: string, cause: string): Promise<boolean> {
    if (this.closed.has(token)) return false;
    this.failed.push({ token, error, cause });
    this.closed.add(token);
    return true;
  }
}
