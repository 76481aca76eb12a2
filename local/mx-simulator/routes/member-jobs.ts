// Aggregation-type jobs and their observation: aggregate / verify / identify, resume (MFA
// answers), status, challenges, member credentials and the OAuth window URI.
import { refuseDisabledFeature } from '#local/mx-simulator/client-access.js';
import { ApiError, badRequest, conflict } from '#local/mx-simulator/errors.js';
import type { ApiResult, RequestContext, Route } from '#local/mx-simulator/http-types.js';
import { institutionCredentials } from '#local/mx-simulator/institutions.js';
import {
  answerChallenge,
  isAggregationThrottled,
  isRunning,
  STARTABLE_STATUSES,
  startJob,
} from '#local/mx-simulator/jobs.js';
import type { JobType, MemberRecord } from '#local/mx-simulator/model.js';
import { referralFromQuery } from '#local/mx-simulator/oauth-referral.js';
import { pageRequest, paginate } from '#local/mx-simulator/pagination.js';
import { tokenFrom } from '#local/mx-simulator/random.js';
import { envelope, queryBoolean } from '#local/mx-simulator/request-input.js';
import { memberStatusView } from '#local/mx-simulator/views.js';
import {
  callbackPayloadOf,
  memberResult,
  oauthWindowUri,
  recordCallbackPayload,
  scenarioFor,
} from './member-common.js';

/** A re-run keeps CONNECTED/CREATED while in progress (as MX does); other states reconnect. */
function inProgressStatus(member: MemberRecord): string {
  return member.status === 'CONNECTED' || member.status === 'CREATED' ? member.status : 'RECONNECTED';
}

/** MX's spec takes X-CALLBACK-PAYLOAD on aggregate and verify (not identify) for the member's webhooks. */
function callbackOwner(type: JobType, member: MemberRecord): MemberRecord | undefined {
  return type === 'identify' ? undefined : member;
}

/**
 * Starts a job, or explains why not: 202 with the member if the same job type is already
 * running (most_recent_job_guid stays the running job's), 409 if another type is running,
 * 422 from a status MX starts no job from (PENDING OAuth included), and 202 without a run for
 * an aggregation inside the throttle window.
 */
function startTypedJob(ctx: RequestContext, type: JobType, startedStatus: number): ApiResult {
  callbackPayloadOf(ctx);
  refuseDisabledFeature(ctx, type);
  const member = ctx.store.member(ctx.params.user_guid!, ctx.params.member_guid!);
  ctx.store.enabledUser(member.userGuid);
  const inst = member.institution;
  if (type === 'verify' && !inst.supportsAccountVerification) {
    throw badRequest(
      `institution ${inst.code} does not support account verification (supports_account_verification is false)`,
    );
  }
  if (type === 'history' && !inst.supportsTransactionHistory) {
    throw badRequest(
      `institution ${inst.code} does not support extended transaction history (supports_transaction_history is false)`,
    );
  }
  if (type === 'identify' && !inst.supportsAccountIdentification) {
    throw badRequest(
      `institution ${inst.code} does not support account identification (supports_account_identification is false)`,
    );
  }
  if (isRunning(member)) {
    if (member.job!.type === type) {
      recordCallbackPayload(ctx, member.guid, callbackOwner(type, member));
      return memberResult(ctx, member, 202);
    }
    throw conflict(`another aggregation-type job (${member.job!.type}) is running on this member`);
  }
  // MX documents no answer for this; 422, not 409, which means "another job type runs".
  if (!STARTABLE_STATUSES.includes(member.status)) {
    const oauth =
      member.status === 'PENDING' ? ': the end user must finish the OAuth window (oauth_window_uri) first' : '';
    throw new ApiError(
      422,
      `connection_status ${member.status} does not allow a new ${type} job; it must be one of ${STARTABLE_STATUSES.join(', ')}${oauth}`,
    );
  }
  recordCallbackPayload(ctx, member.guid, callbackOwner(type, member));
  if (type === 'aggregate' && isAggregationThrottled(member, { now: ctx.store.now(), config: ctx.store.config })) {
    // MX's throttle: accepted, no new run; successfully_aggregated_at does not move.
    return memberResult(ctx, member, 202);
  }
  // MX's spec: an aggregation gathers transactions unless include_transactions=false.
  const includeTransactions =
    queryBoolean(ctx.query, 'include_transactions') ?? (type === 'aggregate' || type === 'history');
  startJob(member, type, scenarioFor(member), inProgressStatus(member), includeTransactions, ctx.store.jobContext());
  return memberResult(ctx, member, startedStatus);
}

function resume(ctx: RequestContext): ApiResult {
  const member = ctx.store.member(ctx.params.user_guid!, ctx.params.member_guid!);
  if (ctx.store.connectionStatus(member) !== 'CHALLENGED') {
    throw new ApiError(
      405,
      `member is not CHALLENGED (connection_status ${ctx.store.connectionStatus(member)}); nothing to resume`,
    );
  }
  const answers = envelope(ctx.body, 'member').challenges;
  if (!Array.isArray(answers) || answers.length === 0)
    throw badRequest('member.challenges must be a non-empty array of {guid, value}');
  answerChallenge(member, answers, ctx.store.jobContext());
  return memberResult(ctx, member, 202);
}

function readStatus(ctx: RequestContext): ApiResult {
  const member = ctx.store.member(ctx.params.user_guid!, ctx.params.member_guid!);
  const now = ctx.store.now();
  ctx.store.stats.recordStatusRead(member.guid, now);
  ctx.store.stats.memberObserved(member.guid, now);
  return { status: 200, body: { member: memberStatusView(member, ctx.store.connectionStatus(member), ctx.dialect) } };
}

/** The open round's challenges, all of them; 204 No Content (Atrium) unless the member is CHALLENGED. */
function listChallenges(ctx: RequestContext): ApiResult {
  const p = pageRequest(ctx.query, 1000);
  const member = ctx.store.member(ctx.params.user_guid!, ctx.params.member_guid!);
  const round = isRunning(member) ? member.job!.challenge : null;
  // Atrium documents 204 for a member with nothing to answer; the v20111101 spec declares only
  // 200, so the Platform dialect answers an empty list.
  if (!round && ctx.dialect === 'atrium') return { status: 204 };
  const { items, pagination } = paginate(round ? round.challenges.map((c) => c.view) : [], p);
  return { status: 200, body: { challenges: items, pagination } };
}

function listMemberCredentials(ctx: RequestContext): ApiResult {
  const p = pageRequest(ctx.query, 1000);
  const member = ctx.store.member(ctx.params.user_guid!, ctx.params.member_guid!);
  const creds = institutionCredentials(ctx.store.config.seed, member.institution).map((c) => c.view);
  const { items, pagination } = paginate(creds, p);
  return { status: 200, body: { credentials: items, pagination } };
}

/** A fresh one-time window URI (old ones stop working); a DENIED or EXPIRED member goes back to PENDING. */
function requestOAuthWindow(ctx: RequestContext): ApiResult {
  const member = ctx.store.member(ctx.params.user_guid!, ctx.params.member_guid!);
  const oauth = member.oauth;
  if (!oauth) throw badRequest('the member is not an OAuth member (is_oauth is false)');
  if (isRunning(member)) throw conflict('the member is being aggregated');
  const referral = referralFromQuery(ctx.query);
  oauth.issued++;
  oauth.token = tokenFrom(`${ctx.store.config.seed}|oauth|${member.guid}|${oauth.issued}`);
  oauth.issuedAt = ctx.store.now();
  // A refused or expired consent waits for the end user again.
  if (oauth.state === 'denied' || member.status === 'EXPIRED') {
    oauth.state = 'pending';
    member.status = 'PENDING';
  }
  const skip = queryBoolean(ctx.query, 'skip_aggregation');
  if (skip !== undefined) oauth.skipAggregation = skip;
  Object.assign(oauth, referral, { clientRedirectUrl: referral.clientRedirectUrl ?? oauth.clientRedirectUrl });
  return { status: 200, body: { member: { guid: member.guid, oauth_window_uri: oauthWindowUri(ctx, member, true) } } };
}

const M = '/users/{user_guid}/members/{member_guid}';

export const memberJobRoutes: Route[] = [
  { method: 'POST', template: `${M}/aggregate`, handler: (ctx) => startTypedJob(ctx, 'aggregate', 202) },
  { method: 'POST', template: `${M}/extend_history`, handler: (ctx) => startTypedJob(ctx, 'history', 202) },
  // The spec declares 200 for verify (and 202 for aggregate and identify).
  { method: 'POST', template: `${M}/verify`, handler: (ctx) => startTypedJob(ctx, 'verify', 200) },
  { method: 'POST', template: `${M}/identify`, handler: (ctx) => startTypedJob(ctx, 'identify', 202) },
  { method: 'PUT', template: `${M}/resume`, bodyRequired: true, handler: resume },
  { method: 'GET', template: `${M}/status`, handler: readStatus },
  { method: 'GET', template: `${M}/challenges`, handler: listChallenges },
  { method: 'GET', template: `${M}/credentials`, handler: listMemberCredentials },
  { method: 'GET', template: `${M}/oauth_window_uri`, handler: requestOAuthWindow },
];
