import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { ENV } from '#shared/contract/workflow.js';
import { type EventPublishingDeps, publishChangeEvents } from '#shared/events/publish-change-events.js';
import { parseEnvironment } from '#shared/runtime/environment.js';
import { eventBusPublisher } from '#shared/runtime/event-bus.js';
import { logger } from '#shared/runtime/logger.js';
import { streamHandler } from '#shared/runtime/stream-handler.js';
import * as z from '#shared/runtime/zod.js';

const EventsEnvironment = z.object({ [ENV.eventBusName]: z.string().check(z.minLength(1)) });

let deps: EventPublishingDeps | undefined;

const image = (value: Record<string, unknown> | undefined) =>
  value ? unmarshall(value as Record<string, AttributeValue>) : undefined;

/** The table's stream, filtered to job and member items: the events each change stands for, on mxflow's bus, in order. */
export const handler = streamHandler(async (record) => {
  deps ??= { publish: eventBusPublisher(parseEnvironment(EventsEnvironment, process.env)[ENV.eventBusName]) };
  const published = await publishChangeEvents(deps, {
    sequenceNumber: record.dynamodb?.SequenceNumber ?? record.eventID ?? '',
    eventName: record.eventName ?? 'MODIFY',
    oldImage: image(record.dynamodb?.OldImage),
    newImage: image(record.dynamodb?.NewImage),
  });
  if (published > 0) logger.info('events published', { count: published });
});
