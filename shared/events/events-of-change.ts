import { isTerminal } from '#shared/contract/workflow.js';
import { needsEndUser } from '#shared/jobs/classify-connection.js';
import type { ChallengesRef } from '#shared/store/challenge-items.js';
import type { JobRecord } from '#shared/store/job-record.js';
import { keys } from '#shared/store/keys.js';
import type { MemberRecord } from '#shared/store/member-store.js';
import type { JobStatusChanged, MemberChanged, MxflowEvent } from './mxflow-events.js';

/** One item's change, as the table's stream tells it (images unmarshalled). */
export interface TableChange {
  /** The stream record's sequence number: unique per change, the same on every retry. */
  readonly sequenceNumber: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly oldImage?: Record<string, unknown>;
  readonly newImage?: Record<string, unknown>;
}

const JOB_SK_PREFIX = keys.jobsOfMember('').skPrefix;
const MEMBER_SK_PREFIX = keys.membersOfUser('').skPrefix;

/**
 * The table's stream filter for the publisher: job items and member items, new or changed.
 * Lambda's filter syntax, as CDK passes it; the local twin applies `isEventSourceChange`.
 */
export const EVENT_SOURCE_STREAM_FILTERS = [
  { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: [{ prefix: JOB_SK_PREFIX }] } } } },
  { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { sk: { S: [{ prefix: MEMBER_SK_PREFIX }] } } } },
] as const;

export function isEventSourceChange(eventName: string | undefined, sk: string | undefined): boolean {
  return (
    (eventName === 'INSERT' || eventName === 'MODIFY') &&
    sk !== undefined &&
    (sk.startsWith(JOB_SK_PREFIX) || sk.startsWith(MEMBER_SK_PREFIX))
  );
}

/**
 * The events one change of a job or member item stands for. Only what changed is published, and
 * only whitelisted fields: a task token, challenge texts or an OAuth URI in the image never
 * reach an event; a CHALLENGED job's challenges go out by guid and type only.
 */
export function eventsOfChange(change: TableChange): MxflowEvent[] {
  const sk = String(change.newImage?.sk ?? '');
  if (!change.newImage || change.eventName === 'REMOVE') return [];
  const events = sk.startsWith(JOB_SK_PREFIX)
    ? jobEvents(change.oldImage as JobRecord | undefined, change.newImage as unknown as JobRecord)
    : sk.startsWith(MEMBER_SK_PREFIX)
      ? memberEvents(change.oldImage as MemberRecord | undefined, change.newImage as unknown as MemberRecord)
      : [];
  return events.map(
    (event, index) =>
      ({ ...event, detail: { ...event.detail, event_id: `${change.sequenceNumber}-${index}` } }) as MxflowEvent,
  );
}

/** An event before it has its id: the id is the change's, given once all its events are known. */
type UnnumberedEvent =
  | { readonly detailType: 'Job Status Changed'; readonly detail: Omit<JobStatusChanged, 'event_id'> }
  | { readonly detailType: 'Member Changed'; readonly detail: Omit<MemberChanged, 'event_id'> };

function jobEvents(before: JobRecord | undefined, job: JobRecord): UnnumberedEvent[] {
  const events: UnnumberedEvent[] = [];
  const at = job.updated_at;
  if (before?.status !== job.status) {
    const detail: Omit<JobStatusChanged, 'event_id'> = {
      version: '1',
      job_guid: job.job_guid,
      job_type: job.type,
      user_guid: job.user_guid,
      member_guid: job.member_guid,
      status: job.status,
      previous_status: before?.status ?? null,
      connection_status: job.connection_status ?? null,
      ...(job.status === 'CHALLENGED' ? { challenges: askedOf(job) } : {}),
      ...(job.error?.code && job.status !== 'SUCCEEDED' && isTerminal(job.status) ? { reason: job.error.code } : {}),
      ...(job.status === 'SUCCEEDED' && job.counts ? { counts: { ...job.counts } } : {}),
      occurred_at: at,
    };
    events.push({ detailType: 'Job Status Changed', detail });
  }
  const connection = job.connection_status ?? null;
  if (connection !== null && connection !== (before?.connection_status ?? null)) {
    events.push(memberEvent(job, 'CONNECTION_STATUS', connection, at, job.job_guid));
  }
  if (job.status === 'SUCCEEDED' && before?.status !== 'SUCCEEDED') {
    events.push(memberEvent(job, 'DATA_UPDATED', connection, at, job.job_guid));
  }
  return events;
}

/** A CHALLENGED job's challenges, by guid and type only, as its round's reference lists them. */
function askedOf(job: JobRecord & { readonly challenges_ref?: ChallengesRef }): { guid: string; type: string }[] {
  const asked = job.challenges_ref?.asked ?? job.challenges ?? [];
  return asked.map((c) => ({ guid: String(c.guid), type: String(c.type) }));
}

function memberEvents(before: MemberRecord | undefined, member: MemberRecord): UnnumberedEvent[] {
  const connection = member.connection_status ?? null;
  if (connection === null || connection === (before?.connection_status ?? null)) return [];
  const at = member.connection_status_at ?? member.updated_at;
  return [memberEvent({ user_guid: member.user_guid, member_guid: member.guid }, 'CONNECTION_STATUS', connection, at)];
}

function memberEvent(
  member: { readonly user_guid: string; readonly member_guid: string },
  change: MemberChanged['change'],
  connectionStatus: string | null,
  at: string,
  jobGuid?: string,
): UnnumberedEvent {
  return {
    detailType: 'Member Changed',
    detail: {
      version: '1',
      user_guid: member.user_guid,
      member_guid: member.member_guid,
      change,
      connection_status: connectionStatus,
      needs_end_user: needsEndUser(connectionStatus),
      ...(jobGuid ? { job_guid: jobGuid } : {}),
      occurred_at: at,
    },
  };
}
