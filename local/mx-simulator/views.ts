// Records -> MX response objects (typed with MX's own SDK models), plus the Atrium dialect's
// differences: `identifier` instead of `id`, and the deprecated `status` field.
import type { MemberResponse, MemberStatusResponse, UserResponse } from 'mx-platform-node';
import { isoSeconds } from './clock.js';
import type { MemberRecord, UserRecord } from './model.js';

export type Dialect = 'platform' | 'atrium';

const iso = (t: number | null) => (t === null ? null : isoSeconds(t));

const MESSAGES: Record<string, string> = {
  CREATED: 'Connecting to the institution...',
  CONNECTED: 'Connected.',
  CHALLENGED: 'The institution requires additional information (MFA).',
  RESUMED: 'Answer received; continuing...',
  UPDATED: 'Credentials updated; connecting...',
  RECONNECTED: 'Reconnecting to the institution...',
  DELAYED: 'Taking longer than usual; still working...',
  PENDING: 'Waiting for the user to finish the OAuth window.',
  DENIED: 'The credentials were not accepted by the institution.',
  PREVENTED: 'Too many failed login attempts; update the credentials.',
  REJECTED: 'The MFA answer was not accepted.',
  EXPIRED: 'The MFA challenge was not answered in time.',
  LOCKED: 'The account is locked at the institution.',
  IMPEDED: 'The user must take an action at the institution (or no eligible account).',
  IMPAIRED: 'The connection is impaired; the user must act.',
  IMPORTED: 'The member was imported and needs credentials.',
  DISABLED: 'Aggregation is disabled for this institution.',
  DISCONTINUED: 'The connection is no longer supported.',
  CLOSED: 'The account was closed at the institution.',
  DEGRADED: 'The institution is having problems; try again later.',
  DISCONNECTED: 'Could not connect to the institution; try again later.',
  FAILED: 'The connection failed; try again later.',
};

export function connectionStatusMessage(connection: string): string | null {
  return MESSAGES[connection] ?? null;
}

/** Deprecated Atrium `status`, derived from the job phase and connection_status. */
function atriumStatus(member: MemberRecord, connection: string): string | null {
  const job = member.job;
  if (job && job.endedAt === null) {
    if (connection === 'CHALLENGED') return 'CHALLENGED';
    return job.segmentStatus === 'RESUMED' ? 'RECEIVED' : 'INITIATED';
  }
  if (!job) return null; // never aggregated (skip_aggregation, pending OAuth)
  switch (connection) {
    case 'CONNECTED':
      return 'COMPLETED';
    case 'PREVENTED':
    case 'LOCKED':
      return 'PREVENTED';
    case 'DENIED':
    case 'REJECTED':
      return 'DENIED';
    default:
      return 'HALTED';
  }
}

export function userView(user: UserRecord, dialect: Dialect): UserResponse {
  const view = {
    email: user.email,
    guid: user.guid,
    id: user.id,
    is_disabled: user.isDisabled,
    metadata: user.metadata,
  };
  return dialect === 'atrium' ? renameId(view) : view;
}

function renameId<T extends { id?: string | null }>(view: T): T {
  const { id, ...rest } = view;
  return { ...rest, identifier: id ?? null } as unknown as T;
}

export function memberView(
  member: MemberRecord,
  user: UserRecord,
  connection: string,
  dialect: Dialect,
  oauthWindowUri: string | null,
): MemberResponse {
  const running = member.job !== null && member.job.endedAt === null;
  const view: MemberResponse & { status?: string | null } = {
    aggregated_at: iso(member.aggregatedAt),
    background_aggregation_is_disabled: member.backgroundAggregationIsDisabled,
    connection_status: connection,
    connection_status_message: connectionStatusMessage(connection),
    guid: member.guid,
    id: member.id,
    institution_code: member.institution.code,
    institution_guid: member.institutionGuid,
    is_being_aggregated: running,
    is_managed_by_user: false,
    is_manual: false,
    is_oauth: member.isOauth,
    metadata: member.metadata,
    name: member.institution.name,
    needs_updated_credentials: connection === 'DENIED' || connection === 'PREVENTED',
    oauth_window_uri: oauthWindowUri,
    successfully_aggregated_at: iso(member.successfullyAggregatedAt),
    user_guid: member.userGuid,
    user_id: user.id,
  };
  // The spec types most_recent_job_guid as boolean, but MX sends the job guid string.
  if (member.job) (view as Record<string, unknown>).most_recent_job_guid = member.job.guid;
  if (dialect === 'atrium') view.status = atriumStatus(member, connection);
  return dialect === 'atrium' ? renameId(view) : view;
}

export function memberStatusView(member: MemberRecord, connection: string, dialect: Dialect): MemberStatusResponse {
  const view: MemberStatusResponse & { status?: string | null } = {
    aggregated_at: iso(member.aggregatedAt),
    connection_status: connection,
    guid: member.guid,
    has_processed_account_numbers: member.processed.accountNumbers,
    has_processed_accounts: member.processed.accounts,
    has_processed_transactions: member.processed.transactions,
    is_authenticated: member.isAuthenticated,
    is_being_aggregated: member.job !== null && member.job.endedAt === null,
    successfully_aggregated_at: iso(member.successfullyAggregatedAt),
  };
  const round = member.job?.endedAt === null ? member.job.challenge : null;
  if (round) view.challenges = round.challenges.map((c) => c.view);
  if (dialect === 'atrium') view.status = atriumStatus(member, connection);
  return view;
}
