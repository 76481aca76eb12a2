/** Records task handler calls and lets a test await the next one. */
export class TaskCalls<T> {
  readonly calls: T[] = [];
  private waiters: { count: number; resolve: (call: T) => void }[] = [];

  readonly handler = async (payload: unknown): Promise<Record<string, never>> => {
    this.calls.push(payload as T);
    for (const waiter of this.waiters.filter((w) => w.count === this.calls.length)) waiter.resolve(payload as T);
    this.waiters = this.waiters.filter((w) => w.count !== this.calls.length);
    return {};
  };

  /** Resolves with the `count`-th call (1-based), now or when it happens. */
  nth(count: number): Promise<T> {
    const existing = this.calls[count - 1];
    if (existing !== undefined) return Promise.resolve(existing);
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}
