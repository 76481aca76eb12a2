import type { DeliveredEvent, LocalEventBus } from './event-bus.js';

export interface AsyncTarget {
  /** Events whose every attempt failed: what the on-failure destination would hold. */
  readonly deadLetters: DeliveredEvent[];
  /** Attempts made so far (first tries and retries). */
  attempts(): number;
  stop(): Promise<void>;
}

/** Lambda's retries of a failed asynchronous invocation (2, about a minute then two apart). */
const RETRY_WAITS_MS = [60_000, 120_000];

/**
 * The twin of a bus rule whose target is a function invoked asynchronously: each event handed to
 * the function, a failure tried again twice with Lambda's back-off (× the stack's time scale),
 * then kept as a dead letter. Stopping drops the retries still waiting.
 */
export function subscribeAsyncTarget(
  bus: LocalEventBus,
  invoke: (event: DeliveredEvent) => Promise<unknown>,
  timeScale: number,
): AsyncTarget {
  const deadLetters: DeliveredEvent[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let attempts = 0;
  let stopped = false;
  const attempt = (event: DeliveredEvent, retry: number): void => {
    attempts += 1;
    invoke(event).catch(() => {
      const wait = RETRY_WAITS_MS[retry];
      if (wait === undefined) {
        deadLetters.push(event);
        return;
      }
      if (stopped) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        attempt(event, retry + 1);
      }, wait * timeScale);
      timers.add(timer);
    });
  };
  const unsubscribe = bus.subscribe((event) => attempt(event, 0));
  return {
    deadLetters,
    attempts: () => attempts,
    stop: async () => {
      stopped = true;
      unsubscribe();
      for (const timer of timers) clearTimeout(timer);
    },
  };
}
