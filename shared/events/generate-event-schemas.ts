// Writes events/schemas/*.json, the JSON Schemas of mxflow's events (shared/events/mxflow-events.ts),
// for subscribers that validate what they receive. Run it after changing an event:
//   tsx shared/events/generate-event-schemas.ts
// (a test regenerates them in memory and fails when a committed file differs).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { EVENT_SOURCE, MXFLOW_EVENTS, type MxflowEventType } from './mxflow-events.js';

const SCHEMA_FOLDER = new URL('../../events/schemas/', import.meta.url);

/** `Job Status Changed` → `job-status-changed.v1.json`. */
export const eventSchemaFile = (detailType: MxflowEventType) =>
  fileURLToPath(new URL(`${detailType.toLowerCase().replaceAll(' ', '-')}.v1.json`, SCHEMA_FOLDER));

/** The JSON Schema of one event as EventBridge delivers it: the envelope, its detail typed. */
export function eventSchema(detailType: MxflowEventType): Record<string, unknown> {
  const detail = z.toJSONSchema(MXFLOW_EVENTS[detailType], { target: 'draft-2020-12', io: 'output' });
  const { $schema: _, ...detailSchema } = detail as Record<string, unknown>;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://mxflow.example/events/${detailType.toLowerCase().replaceAll(' ', '-')}.v1.json`,
    title: `mxflow: ${detailType}, version 1`,
    type: 'object',
    required: ['source', 'detail-type', 'detail'],
    properties: {
      source: { const: EVENT_SOURCE },
      'detail-type': { const: detailType },
      detail: detailSchema,
    },
  };
}

export const eventSchemaText = (detailType: MxflowEventType) => `${JSON.stringify(eventSchema(detailType), null, 2)}\n`;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const detailType of Object.keys(MXFLOW_EVENTS) as MxflowEventType[]) {
    writeFileSync(eventSchemaFile(detailType), eventSchemaText(detailType));
    console.log(`wrote ${eventSchemaFile(detailType)}`);
  }
}
