import { ApiError } from '#shared/api/api-error.js';
import { checkRedirectUrl } from '#shared/api/redirect-url.js';
import { jobView, memberView } from '#shared/api/views.js';
import { isOAuthRenewable } from '#shared/mx/connection-statuses.js';
import type { OAuthWindowOptions } from '#shared/mx/index.js';
import type { ApiDeps } from '#shared/runtime/api-runtime.js';
import type { MemberRecord } from '#shared/store/member-store.js';
import { startMemberJob } from './job-start.js';

interface Renewed {
  status: number;
  body: { member: unknown; job?: unknown };
  headers?: Record<string, string>;
}

/**
 * Has MX issue a fresh one-time OAuth window (the earlier one stops working) and gets it to
 * the end user's job: the job waiting for the window (ACTION_REQUIRED) is handed it, and with
 * none running a job follows the aggregation MX starts once the window is finished (none with
 * skip_aggregation).
 */
export async function renewOAuthWindow(
  deps: ApiDeps,
  member: MemberRecord,
  options: OAuthWindowOptions,
): Promise<Renewed> {
  checkRedirectUrl(options.client_redirect_url, deps.clientRedirectSchemes, 'client_redirect_url');
  if (!member.is_oauth) throw new ApiError('MEMBER_NOT_OAUTH');
  const mx = await deps.mx();
  const status = (await mx.readMember(member.user_guid, member.guid)).connection_status ?? 'without a status';
  if (!isOAuthRenewable(status)) throw new ApiError('MEMBER_NOT_WAITING_FOR_OAUTH', status);
  const window = await mx.requestOAuthWindowUri(member.user_guid, member.guid, options);
  const now = deps.now();
  const updated = {
    ...member,
    oauth_window_uri: window.oauth_window_uri ?? null,
    connection_status: status,
    updated_at: now.toISOString(),
  };
  await deps.members.putMember(updated);

  const lock = await deps.jobs.liveLock(member.guid, now);
  const running = lock ? await deps.jobs.getJob(member.guid, lock.job_guid) : undefined;
  if (running) {
    if (updated.oauth_window_uri) {
      await deps.jobs.renewOAuthWindow(member.guid, running.job_guid, {
        oauthWindowUri: updated.oauth_window_uri,
        now,
      });
    }
    const job = (await deps.jobs.getJob(member.guid, running.job_guid)) ?? running;
    return { status: 200, body: { member: memberView(updated), job: jobView(job) } };
  }
  if (options.skip_aggregation) return { status: 200, body: { member: memberView(updated) } };
  const started = await startMemberJob(deps, {
    type: 'aggregate',
    userGuid: member.user_guid,
    memberGuid: member.guid,
    observe: true,
    isOauth: true,
  });
  return { ...started, body: { member: memberView(updated), ...started.body } };
}
