import type { JobRecord } from './job-record.js';
import type { MemberRecord } from './member-store.js';

/**
 * A member's connection status as mxflow knows it: MX's latest that mxflow read, its latest
 * job's, or the one read after a webhook once no job ran (a background aggregation that ended
 * DENIED), whichever is newer.
 */
export function memberConnectionStatus(member: MemberRecord, latestJob: JobRecord | undefined): string | null {
  if (!latestJob) return member.connection_status;
  const readAfterJob = member.connection_status_at !== undefined && member.connection_status_at > latestJob.updated_at;
  return readAfterJob ? member.connection_status : latestJob.connection_status;
}
