// Members: create (starting the automatic aggregation unless skip_aggregation), list, read,
// update (new credentials re-run the login and start an aggregation), delete.
import { ApiError, badRequest, conflict } from '#local/mx-simulator/errors.js';
import type { ApiResult, RequestContext, Route } from '#local/mx-simulator/http-types.js';
import { type Institution, institutionCredentials } from '#local/mx-simulator/institutions.js';
import { isRunning, startJob } from '#local/mx-simulator/jobs.js';
import type { MemberRecord } from '#local/mx-simulator/model.js';
import { referralFromBody } from '#local/mx-simulator/oauth-referral.js';
import { pageRequest, paginate } from '#local/mx-simulator/pagination.js';
import { tokenFrom } from '#local/mx-simulator/random.js';
import {
  envelope,
  isObject,
  type JsonObject,
  optionalBoolean,
  optionalString,
} from '#local/mx-simulator/request-input.js';
import { institutionOr404 } from './institutions.js';
import { callbackPayloadOf, memberResult, recordCallbackPayload, scenarioFor } from './member-common.js';

/** MX's limit: "25 members per user applies to all environments". */
const MAX_MEMBERS_PER_USER = 25;

interface ParsedCredentials {
  values: Record<string, string>;
  username: string;
  password: string;
}

/** Maps `[{guid, value}]` onto the institution's credentials; `base` supplies omitted ones. */
function parseCredentials(
  ctx: RequestContext,
  inst: Institution,
  raw: unknown,
  base?: Record<string, string>,
): ParsedCredentials {
  if (!Array.isArray(raw)) throw badRequest('member.credentials must be an array of {guid, value}');
  const known = institutionCredentials(ctx.store.config.seed, inst);
  const values: Record<string, string> = { ...base };
  for (const c of raw) {
    if (!isObject(c) || typeof c.guid !== 'string' || typeof c.value !== 'string') {
      throw badRequest('each credential must be an object with string guid and value');
    }
    const field = known.find((k) => k.guid === c.guid);
    if (!field) throw badRequest(`credential guid ${c.guid} does not belong to institution ${inst.code}`);
    const options = field.view.options;
    if (options && !options.some((o) => o.value === c.value)) {
      throw badRequest(
        `credential "${field.view.label}" (${c.guid}) takes one of its options' values: ${options.map((o) => o.value).join(', ')}`,
      );
    }
    values[c.guid] = c.value;
  }
  for (const k of known)
    if (values[k.guid] === undefined) throw badRequest(`missing credential "${k.view.label}" (${k.guid})`);
  const byField = (field: string) => values[known.find((k) => k.field === field)?.guid ?? ''] ?? '';
  return { values, username: byField('username'), password: byField('password') };
}

function assertNoDuplicate(
  ctx: RequestContext,
  userGuid: string,
  inst: Institution,
  values: Record<string, string>,
  self?: string,
) {
  const same = (a: Record<string, string>) =>
    Object.keys(values).length > 0 &&
    Object.keys(values).every((k) => a[k] === values[k]) &&
    Object.keys(a).length === Object.keys(values).length;
  for (const m of ctx.store.members.values()) {
    if (
      m.userGuid === userGuid &&
      m.guid !== self &&
      m.institution.code === inst.code &&
      !m.isOauth &&
      same(m.credentials)
    ) {
      throw conflict(`a member for institution ${inst.code} with the same credentials already exists on this user`);
    }
  }
}

function assertMemberIdFree(ctx: RequestContext, userGuid: string, id: string | undefined, self?: string) {
  if (id === undefined) return;
  for (const m of ctx.store.members.values()) {
    if (m.userGuid === userGuid && m.id === id && m.guid !== self)
      throw conflict(`a member with id "${id}" already exists on this user`);
  }
}

function createMember(ctx: RequestContext): ApiResult {
  callbackPayloadOf(ctx);
  const user = ctx.store.enabledUser(ctx.params.user_guid!);
  const m = envelope(ctx.body, 'member');
  const code = optionalString(m, 'institution_code');
  if (!code) throw badRequest('member.institution_code is required');
  const inst = institutionOr404(code);
  const isOauth = optionalBoolean(m, 'is_oauth') ?? false;
  if (isOauth && !inst.supportsOauth) throw badRequest(`institution ${code} does not support OAuth`);
  if (!isOauth && inst.oauthOnly)
    throw badRequest(`institution ${code} only supports OAuth: create the member with is_oauth: true`);
  const creds = isOauth ? { values: {}, username: '', password: '' } : parseCredentials(ctx, inst, m.credentials);
  const id = optionalString(m, ctx.dialect === 'atrium' ? 'identifier' : 'id');
  assertMemberIdFree(ctx, user.guid, id);
  if (!isOauth) assertNoDuplicate(ctx, user.guid, inst, creds.values);
  if ([...ctx.store.members.values()].filter((other) => other.userGuid === user.guid).length >= MAX_MEMBERS_PER_USER) {
    throw new ApiError(
      422,
      `user ${user.guid} already has ${MAX_MEMBERS_PER_USER} members, the most a user may have; delete one first`,
    );
  }
  const skipAggregation = optionalBoolean(m, 'skip_aggregation') ?? false;
  const referral = referralFromBody(ctx.body as JsonObject);
  const now = ctx.store.now();
  const guid = ctx.store.nextGuid('MBR');
  const member: MemberRecord = {
    guid,
    userGuid: user.guid,
    id: id ?? null,
    metadata: optionalString(m, 'metadata') ?? null,
    institution: inst,
    institutionGuid: ctx.store.institutionGuid(inst.code),
    isOauth,
    credentials: creds.values,
    username: creds.username,
    password: creds.password,
    backgroundAggregationIsDisabled: optionalBoolean(m, 'background_aggregation_is_disabled') ?? false,
    createdAt: now,
    status: isOauth ? 'PENDING' : 'CREATED',
    aggregatedAt: null,
    successfullyAggregatedAt: null,
    isAuthenticated: false,
    processed: { accounts: false, accountNumbers: false, transactions: false },
    job: null,
    accountSet: 'default',
    accountsVisibleAt: null,
    verifiedAccountGuids: new Set(),
    transactionGatherings: [],
    historyExtendedAt: null,
    closedAccounts: new Map(),
    ownersVisible: false,
    oauth: isOauth
      ? {
          token: tokenFrom(`${ctx.store.config.seed}|oauth|${guid}|0`),
          state: 'pending',
          skipAggregation,
          issued: 1,
          issuedAt: now,
          ...referral,
        }
      : null,
  };
  ctx.store.members.set(member.guid, member);
  recordCallbackPayload(ctx, member.guid, member);
  const starts = !isOauth && !skipAggregation;
  if (starts) startJob(member, 'aggregate', scenarioFor(member), 'CREATED', true, ctx.store.jobContext());
  ctx.store.events.memberChanged('CREATED', member);
  return memberResult(ctx, member, starts ? 202 : 200);
}

function listMembers(ctx: RequestContext): ApiResult {
  const p = pageRequest(ctx.query, 1000);
  const { items, pagination } = paginate(ctx.store.membersOf(ctx.params.user_guid!), p);
  const members = items.map((m) => (memberResult(ctx, m).body as { member: unknown }).member);
  return { status: 200, body: { members, pagination } };
}

function readMember(ctx: RequestContext): ApiResult {
  const member = ctx.store.member(ctx.params.user_guid!, ctx.params.member_guid!);
  ctx.store.stats.memberObserved(member.guid, ctx.store.now());
  return memberResult(ctx, member);
}

function updateMember(ctx: RequestContext): ApiResult {
  callbackPayloadOf(ctx);
  const member = ctx.store.member(ctx.params.user_guid!, ctx.params.member_guid!);
  const m = envelope(ctx.body, 'member');
  const id = optionalString(m, ctx.dialect === 'atrium' ? 'identifier' : 'id');
  const metadata = optionalString(m, 'metadata');
  const bgDisabled = optionalBoolean(m, 'background_aggregation_is_disabled');
  const skipAggregation = optionalBoolean(m, 'skip_aggregation') ?? false;
  const hasCredentials = m.credentials !== undefined && m.credentials !== null;
  assertMemberIdFree(ctx, member.userGuid, id, member.guid);
  let creds: ParsedCredentials | undefined;
  if (hasCredentials) {
    if (member.isOauth) throw badRequest('OAuth members have no credentials to update');
    creds = parseCredentials(ctx, member.institution, m.credentials, member.credentials);
    assertNoDuplicate(ctx, member.userGuid, member.institution, creds.values, member.guid);
    if (isRunning(member))
      throw conflict(
        'an aggregation-type job is running on this member; wait for it to end before updating credentials',
      );
  }
  if (id !== undefined) member.id = id;
  if (metadata !== undefined) member.metadata = metadata;
  if (bgDisabled !== undefined) member.backgroundAggregationIsDisabled = bgDisabled;
  recordCallbackPayload(ctx, member.guid, member);
  if (creds) {
    Object.assign(member, { credentials: creds.values, username: creds.username, password: creds.password });
    if (!skipAggregation) startJob(member, 'aggregate', scenarioFor(member), 'UPDATED', true, ctx.store.jobContext());
  }
  ctx.store.events.memberChanged('UPDATED', member);
  return memberResult(ctx, member, 200);
}

function deleteMember(ctx: RequestContext): ApiResult {
  const member = ctx.store.member(ctx.params.user_guid!, ctx.params.member_guid!);
  ctx.store.events.memberChanged('DELETED', member);
  ctx.store.members.delete(member.guid);
  return { status: 204 };
}

export const memberRoutes: Route[] = [
  { method: 'POST', template: '/users/{user_guid}/members', bodyRequired: true, handler: createMember },
  { method: 'GET', template: '/users/{user_guid}/members', handler: listMembers },
  { method: 'GET', template: '/users/{user_guid}/members/{member_guid}', handler: readMember },
  { method: 'PUT', template: '/users/{user_guid}/members/{member_guid}', bodyRequired: true, handler: updateMember },
  { method: 'DELETE', template: '/users/{user_guid}/members/{member_guid}', handler: deleteMember },
];
