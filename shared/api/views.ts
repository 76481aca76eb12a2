import type * as z from '#shared/runtime/zod.js';
import type { DeletionRecord } from '#shared/store/deletion-store.js';
import type { JobRecord } from '#shared/store/job-record.js';
import { memberConnectionStatus } from '#shared/store/member-connection.js';
import type { MemberRecord } from '#shared/store/member-store.js';
import type { UserRecord } from '#shared/store/user-store.js';
import type { Deletion, Job, Member, User } from './schemas.js';

/** A job as the API shows it: never its task token, history or MX's internal job guid. */
export function jobView(job: JobRecord): z.input<typeof Job> {
  return {
    guid: job.job_guid,
    type: job.type,
    status: job.status,
    user_guid: job.user_guid,
    member_guid: job.member_guid,
    connection_status: job.connection_status,
    ...(job.status === 'CHALLENGED' && job.challenges
      ? { challenges: job.challenges as z.input<typeof Job>['challenges'] }
      : {}),
    ...(job.oauth_window_uri ? { oauth_window_uri: job.oauth_window_uri } : {}),
    ...(job.error ? { error: job.error } : {}),
    ...(job.counts && Object.keys(job.counts).length > 0
      ? { counts: job.counts as Record<string, number | boolean> }
      : {}),
    ...(job.warnings && job.warnings.length > 0 ? { warnings: job.warnings } : {}),
    created_at: job.created_at,
    updated_at: job.updated_at,
    ...(job.finished_at ? { finished_at: job.finished_at } : {}),
  };
}

/** A member as the API shows it, with its connection status as mxflow knows it (memberConnectionStatus). */
export function memberView(member: MemberRecord, latestJob?: JobRecord): z.input<typeof Member> {
  return {
    guid: member.guid,
    user_guid: member.user_guid,
    institution_code: member.institution_code,
    id: member.id,
    metadata: member.metadata,
    is_oauth: member.is_oauth,
    oauth_window_uri: member.oauth_window_uri,
    connection_status: memberConnectionStatus(member, latestJob),
    created_at: member.created_at,
    updated_at: member.updated_at,
  };
}

export function userView(user: UserRecord): z.input<typeof User> {
  return { guid: user.guid, id: user.id, email: user.email, metadata: user.metadata, created_at: user.created_at };
}

export function deletionView(deletion: DeletionRecord): z.input<typeof Deletion> {
  return {
    guid: deletion.deletion_guid,
    scope: deletion.scope,
    user_guid: deletion.user_guid,
    member_guids: [...deletion.member_guids],
    status: deletion.status,
    cancelled_jobs: [...deletion.cancelled_jobs],
    deleted_at_mx: deletion.deleted_at_mx,
    items_deleted: deletion.items_deleted,
    error: deletion.error ?? null,
    created_at: deletion.created_at,
    updated_at: deletion.updated_at,
    finished_at: deletion.finished_at ?? null,
  };
}
