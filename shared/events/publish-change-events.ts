import { eventsOfChange, type TableChange } from './events-of-change.js';
import type { MxflowEvent } from './mxflow-events.js';

export interface EventPublishingDeps {
  /** Puts the events on the bus; rejects when any of them was not taken. */
  publish(events: readonly MxflowEvent[]): Promise<void>;
}

/** Publishes the events one table change stands for; answers how many. */
export async function publishChangeEvents(deps: EventPublishingDeps, change: TableChange): Promise<number> {
  const events = eventsOfChange(change);
  if (events.length > 0) await deps.publish(events);
  return events.length;
}
