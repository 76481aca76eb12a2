import type { JobStore } from '#shared/store/job-store.js';
import { eventsOfChange, type TableChange } from './events-of-change.js';
import type { MxflowEvent } from './mxflow-events.js';

export interface EventPublishingDeps {
  /** Where a CHALLENGED job's challenges are read from (their guids and types only go out). */
  readonly jobs: Pick<JobStore, 'getJob'>;
  /** Puts the events on the bus; rejects when any of them was not taken. */
  publish(events: readonly MxflowEvent[]): Promise<void>;
}

/** Publishes the events one table change stands for; answers how many. */
export async function publishChangeEvents(deps: EventPublishingDeps, change: TableChange): Promise<number> {
  const events = await Promise.all(eventsOfChange(change).map((event) => withChallenges(deps, event)));
  if (events.length > 0) await deps.publish(events);
  return events.length;
}

/**
 * A CHALLENGED job's event with its challenges' guids and types, as the job holds them now (none
 * if the job has moved on already: the next event says where to).
 */
async function withChallenges(deps: EventPublishingDeps, event: MxflowEvent): Promise<MxflowEvent> {
  if (event.detailType !== 'Job Status Changed' || event.detail.status !== 'CHALLENGED') return event;
  const job = await deps.jobs.getJob(event.detail.member_guid, event.detail.job_guid);
  const challenges = (job?.status === 'CHALLENGED' ? (job.challenges ?? []) : []).map((c) => ({
    guid: String(c.guid),
    type: String(c.type),
  }));
  return { ...event, detail: { ...event.detail, challenges } };
}
