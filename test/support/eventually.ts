import { readDelay } from './read-delay.js';

/**
 * What `probe` answers once it answers something (not undefined or false), read again and again
 * with a backing-off delay; after `timeoutMs` of real time it fails with `describe()`'s account of
 * what it saw. For what a test waits on that arrives asynchronously (events, callbacks, stream records).
 */
export async function eventually<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 20_000, describe = () => '' }: { timeoutMs?: number; describe?: () => string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let reads = 0; ; reads += 1) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`never happened in ${timeoutMs} ms${describe() ? `: ${describe()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, readDelay(reads)));
  }
}
