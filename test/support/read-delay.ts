/**
 * How long a test waits before reading again something it waits on (a job's record, its API
 * view): from `firstMs`, half as long again at each read, up to `maxMs`. Reading every few
 * milliseconds for a job that takes a second was, summed over the suite, more work for the
 * machine than the jobs themselves.
 */
export function readDelay(reads: number, firstMs = 10, maxMs = 50): number {
  return Math.min(maxMs, firstMs * 1.5 ** reads);
}
