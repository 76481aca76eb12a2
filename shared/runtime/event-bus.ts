import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE, type MxflowEvent } from '#shared/events/mxflow-events.js';
import { tracer } from './tracer.js';

/** PutEvents takes at most 10 entries a call. */
const ENTRIES_PER_CALL = 10;

let client: EventBridgeClient | undefined;

/** Puts mxflow's events on its bus, ten a call; rejects naming the first entry EventBridge refused. */
export function eventBusPublisher(busName: string): (events: readonly MxflowEvent[]) => Promise<void> {
  client ??= tracer.captureAWSv3Client(new EventBridgeClient({}));
  const events = client;
  return async (all) => {
    for (let from = 0; from < all.length; from += ENTRIES_PER_CALL) {
      const batch = all.slice(from, from + ENTRIES_PER_CALL);
      const { FailedEntryCount = 0, Entries = [] } = await events.send(
        new PutEventsCommand({
          Entries: batch.map((event) => ({
            EventBusName: busName,
            Source: EVENT_SOURCE,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
            Time: new Date(event.detail.occurred_at),
          })),
        }),
      );
      if (FailedEntryCount > 0) {
        const failed = Entries.find((entry) => entry.ErrorCode);
        throw new Error(
          `EventBridge refused ${FailedEntryCount} event(s): ${failed?.ErrorCode} ${failed?.ErrorMessage}`,
        );
      }
    }
  };
}
