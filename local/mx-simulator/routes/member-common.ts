// Helpers shared by the member routes: rendering, the login scenario, callback payloads.
import { badRequest } from '#local/mx-simulator/errors.js';
import type { ApiResult, RequestContext } from '#local/mx-simulator/http-types.js';
import type { MemberRecord } from '#local/mx-simulator/model.js';
import { DEFAULT_SCENARIO, type LoginScenario, resolveTestLogin } from '#local/mx-simulator/test-logins.js';
import { memberView } from '#local/mx-simulator/views.js';

/** OAuth members connect as the default login; others follow the test-login table. */
export function scenarioFor(member: MemberRecord): LoginScenario {
  return member.isOauth ? DEFAULT_SCENARIO : resolveTestLogin(member.username, member.password);
}

/** The member shows its window URI while PENDING; the oauth_window_uri endpoint always gets one. */
export function oauthWindowUri(ctx: RequestContext, member: MemberRecord, always = false): string | null {
  if (!member.oauth || (!always && member.oauth.state !== 'pending')) return null;
  return `${ctx.baseUrl}/oauth/authorize/${member.guid}?token=${member.oauth.token}`;
}

export function memberResult(ctx: RequestContext, member: MemberRecord, status = 200): ApiResult {
  const user = ctx.store.user(member.userGuid);
  const view = memberView(member, user, ctx.store.connectionStatus(member), ctx.dialect, oauthWindowUri(ctx, member));
  return { status, body: { member: view } };
}

/** MX's spec (components.parameters.xCallback): "Max 1024 characters". */
const MAX_CALLBACK_PAYLOAD = 1024;

/** The X-CALLBACK-PAYLOAD header; a 400 when longer than MX allows. Read it before changing anything. */
export function callbackPayloadOf(ctx: RequestContext): string | undefined {
  const raw = ctx.headers['x-callback-payload'];
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (value !== undefined && value.length > MAX_CALLBACK_PAYLOAD)
    throw badRequest(`the X-CALLBACK-PAYLOAD header must be at most ${MAX_CALLBACK_PAYLOAD} characters`);
  return value;
}

/**
 * Records X-CALLBACK-PAYLOAD (last value per key) for the admin stats and, given the member, on the member: MX
 * returns it in the MEMBER and member_data_updated webhooks.
 */
export function recordCallbackPayload(ctx: RequestContext, key: string, member?: MemberRecord): void {
  const value = callbackPayloadOf(ctx);
  if (value === undefined) return;
  ctx.store.stats.recordCallbackPayload(key, value);
  if (member) member.callbackPayload = value;
}
