import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventSchemaFile, eventSchemaText } from '#shared/events/generate-event-schemas.js';
import { MXFLOW_EVENTS, type MxflowEventType } from '#shared/events/mxflow-events.js';

describe("the JSON Schemas of mxflow's events", () => {
  it.each(Object.keys(MXFLOW_EVENTS) as MxflowEventType[])(
    '%s: the committed schema is what the event generates now (regenerate: tsx shared/events/generate-event-schemas.ts)',
    (detailType) => {
      expect(readFileSync(eventSchemaFile(detailType), 'utf8')).toBe(eventSchemaText(detailType));
    },
  );
});
