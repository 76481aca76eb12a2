import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { ENV } from '#shared/contract/workflow.js';
import type { TableChange } from '#shared/events/events-of-change.js';
import { publishChangeEvents } from '#shared/events/publish-change-events.js';
import { parseEnvironment } from '#shared/runtime/environment.js';
import { eventBusPublisher } from '#shared/runtime/event-bus.js';
import { logger } from '#shared/runtime/logger.js';
import { observability } from '#shared/runtime/observability.js';
import * as z from '#shared/runtime/zod.js';

const EventsEnvironment = z.object({ [ENV.eventBusName]: z.string().check(z.minLength(1)) });

let deps: Parameters<typeof publishChangeEvents>[0] | undefined;

const image = (value: Record<string, unknown> | undefined) =>
  value ? unmarshall(value as Record<string, AttributeValue>) : undefined;

/**
 * The table's stream, filtered to job and member items: the events each change stands for, on
 * mxflow's bus, in order. A failure reports its record, so Lambda retries from there and then
 * dead-letters it; the records before it stay published.
 */
export const handler: (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse> = middy<
  DynamoDBStreamEvent,
  DynamoDBBatchResponse
>()
  .use(observability())
  .handler(async ({ Records }) => {
    if (!deps) {
      const env = parseEnvironment(EventsEnvironment, process.env);
      deps = { publish: eventBusPublisher(env[ENV.eventBusName]) };
    }
    for (const record of Records) {
      const change: TableChange = {
        sequenceNumber: record.dynamodb?.SequenceNumber ?? record.eventID ?? '',
        eventName: record.eventName ?? 'MODIFY',
        oldImage: image(record.dynamodb?.OldImage),
        newImage: image(record.dynamodb?.NewImage),
      };
      try {
        const published = await publishChangeEvents(deps, change);
        if (published > 0) logger.info('events published', { count: published });
      } catch (error) {
        logger.error('event publishing failed', { error: error as Error });
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  });
