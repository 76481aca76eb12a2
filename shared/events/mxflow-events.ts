import { JOB_STATUSES, JOB_TYPES } from '#shared/contract/workflow.js';
import * as z from '#shared/runtime/zod.js';

/**
 * mxflow's events on its EventBridge bus (`mxflow-<stage>`): references, statuses and counts
 * only, never credentials, answers, challenge texts or images, account numbers or owners. Each
 * detail carries `version`: a change that breaks a subscriber gets a new version (and detail
 * type), added beside the old one. The JSON Schemas in `events/schemas/` are generated from these.
 */
export const EVENT_SOURCE = 'mxflow';

const guid = z.string().check(z.minLength(1));
const at = z.iso.datetime();

/** A job's status changed (RUNNING, CHALLENGED, ACTION_REQUIRED, SUCCEEDED, FAILED, TIMED_OUT). */
/**
 * The same for every copy of one event (a retried publish puts it again with a new EventBridge
 * `id`): subscribers drop repeats by it. The table stream's sequence number of the change, and
 * the event's place among the change's events.
 */
const eventId = z.string().check(z.minLength(1));

export const JobStatusChanged = z.object({
  version: z.literal('1'),
  event_id: eventId,
  job_guid: guid,
  job_type: z.enum(JOB_TYPES),
  user_guid: guid,
  member_guid: guid,
  status: z.enum(JOB_STATUSES),
  /** null for the job's first event. */
  previous_status: z.nullable(z.enum(JOB_STATUSES)),
  connection_status: z.nullable(z.string()),
  /** CHALLENGED: what the end user must answer, by guid and type (never the challenge's text or images). */
  challenges: z.optional(z.array(z.object({ guid, type: z.string() }))),
  /** FAILED, TIMED_OUT: the reason code (the API's `error.code`). */
  reason: z.optional(z.string()),
  /** SUCCEEDED: what was stored, by kind. */
  counts: z.optional(z.record(z.string(), z.union([z.number(), z.boolean()]))),
  occurred_at: at,
});
export type JobStatusChanged = z.output<typeof JobStatusChanged>;

/** A member changed: its connection status (from a job or a webhook), or its data (a job succeeded). */
export const MemberChanged = z.object({
  version: z.literal('1'),
  event_id: eventId,
  user_guid: guid,
  member_guid: guid,
  change: z.enum(['CONNECTION_STATUS', 'DATA_UPDATED']),
  connection_status: z.nullable(z.string()),
  /** The member waits for its end user: an answer, new credentials, an action at the bank. */
  needs_end_user: z.boolean(),
  /** The job that changed it, when a job did. */
  job_guid: z.optional(guid),
  occurred_at: at,
});
export type MemberChanged = z.output<typeof MemberChanged>;

/** Every event: its EventBridge detail type, and the schema of its detail. */
export const MXFLOW_EVENTS = {
  'Job Status Changed': JobStatusChanged,
  'Member Changed': MemberChanged,
} as const;
export type MxflowEventType = keyof typeof MXFLOW_EVENTS;

export type MxflowEvent =
  | { readonly detailType: 'Job Status Changed'; readonly detail: JobStatusChanged }
  | { readonly detailType: 'Member Changed'; readonly detail: MemberChanged };
