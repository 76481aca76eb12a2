import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ENV } from '#shared/contract/workflow.js';
import { DeletionStore } from '#shared/store/deletion-store.js';
import { JobStore } from '#shared/store/job-store.js';
import { Purge } from '#shared/store/purge.js';
import { documentClient } from './aws-clients.js';
import { parseEnvironment, TableEnvironment } from './environment.js';
import { logger } from './logger.js';
import { observability } from './observability.js';
import * as z from './zod.js';

/** What every deletion step's event carries: the deletion it works for (and, after a Catch, the error's name). */
export const DeletionEvent = z.object({
  deletionGuid: z.string().check(z.minLength(1)),
  failure: z.optional(z.object({ Error: z.optional(z.string()) })),
});
export type DeletionEvent = z.output<typeof DeletionEvent>;

export interface DeletionTables {
  readonly deletions: DeletionStore;
  readonly jobs: JobStore;
  readonly purge: Purge;
}

let tables: DeletionTables | undefined;

/** The table's stores, built once per container on first use. */
export function deletionTables(): DeletionTables {
  if (!tables) {
    const tableName = parseEnvironment(TableEnvironment, process.env)[ENV.tableName];
    const doc = documentClient();
    tables = {
      deletions: new DeletionStore(doc, tableName),
      jobs: new JobStore(doc, tableName),
      purge: new Purge(doc, tableName),
    };
  }
  return tables;
}

/**
 * A deletion step's Lambda: Powertools' Parser checks the event, the logs carry the deletion's
 * guid, one step runs with the deps `deps` builds and its outcome (guids and counts) is logged.
 */
export const deletionTask =
  <D, R>(deps: () => D, step: (deps: D, event: DeletionEvent) => Promise<R>) =>
  (name: string): ((event: unknown, context: Context) => Promise<R>) =>
    middy<DeletionEvent, R>()
      .use(observability())
      .use(parser({ schema: DeletionEvent }))
      .handler(async (event) => {
        logger.appendKeys({ deletionGuid: event.deletionGuid });
        const result = await step(deps(), event);
        logger.info(`${name} done`, { result: result ?? null });
        return result;
      }) as (event: unknown, context: Context) => Promise<R>;
