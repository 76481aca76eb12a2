// Pages a browser opens (no MX auth): the OAuth window that completes or denies an OAuth
// member, and a placeholder for widget URLs. Never fault-injected.
import type { ApiResult } from './http-types.js';
import { startJob } from './jobs.js';
import { tokenFrom } from './random.js';
import type { Store } from './store.js';
import { DEFAULT_SCENARIO } from './test-logins.js';

export interface PageResult extends ApiResult {
  /** Stats key, e.g. `GET /oauth/authorize/{member_guid}`. */
  endpoint: string;
}

function html(status: number, title: string, text: string): ApiResult {
  const body = `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;
  return { status, body, headers: { 'content-type': 'text/html; charset=utf-8' } };
}

/** The bank's consent page a person's browser sees: Allow or Deny, each a GET of the same window with its outcome. */
function consentPage(memberGuid: string, token: string): ApiResult {
  const action = `/oauth/authorize/${encodeURIComponent(memberGuid)}`;
  const button = (outcome: 'allow' | 'deny', label: string) =>
    `<form method="get" action="${action}"><input type="hidden" name="token" value="${token}">` +
    `<input type="hidden" name="outcome" value="${outcome}"><button type="submit">${label}</button></form>`;
  const body =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Share your data?</title></head><body>' +
    '<h1>Share your data?</h1><p>The app asks to read your accounts and transactions at this bank.</p>' +
    `${button('allow', 'Allow')}${button('deny', 'Deny')}</body></html>`;
  return { status: 200, body, headers: { 'content-type': 'text/html; charset=utf-8' } };
}

/**
 * GET /oauth/authorize/{member_guid}?token=…[&outcome=allow|deny]. The token is one-time and
 * lives oauthWindowTtlMs of MX time: a used, superseded or expired link answers 400 and
 * connects nothing. A browser (Accept: text/html) without an outcome is shown the consent page
 * (Allow / Deny); a scripted client (curl, tests) allows by opening it. Allow starts the
 * member's aggregation (or, with skip_aggregation, makes it CONNECTED at once); deny makes it
 * DENIED. Like MX, only a window asked for with referral_source APP redirects to
 * client_redirect_url, with status (success / error) and member_guid, and error_reason on a deny.
 */
function authorize(store: Store, memberGuid: string, query: URLSearchParams, accept: string): ApiResult {
  const member = store.members.get(memberGuid);
  const oauth = member?.oauth;
  if (!member || !oauth) return html(404, 'Unknown OAuth link', 'This OAuth window does not exist.');
  if (!query.get('token') || query.get('token') !== oauth.token) {
    return html(
      400,
      'OAuth link expired',
      'This OAuth window was already used or superseded; request a new oauth_window_uri.',
    );
  }
  if (store.now() - oauth.issuedAt > store.config.oauthWindowTtlMs) {
    return html(400, 'OAuth link expired', 'This OAuth window has expired; request a new oauth_window_uri.');
  }
  const outcome = query.get('outcome');
  if (outcome === null && accept.includes('text/html')) return consentPage(member.guid, oauth.token);
  if (outcome !== null && outcome !== 'allow' && outcome !== 'deny')
    return html(400, 'Unknown answer', 'The answer to the consent must be allow or deny.');
  // One-time use: burn the token.
  oauth.issued++;
  oauth.token = tokenFrom(`${store.config.seed}|oauth|${member.guid}|${oauth.issued}`);
  const denied = outcome === 'deny';
  if (denied) {
    oauth.state = 'denied';
    member.status = 'DENIED';
    store.events.statusEntered(member);
  } else {
    oauth.state = 'completed';
    if (oauth.skipAggregation) {
      member.status = 'CONNECTED';
      member.isAuthenticated = true;
    } else {
      startJob(member, 'aggregate', DEFAULT_SCENARIO, 'CREATED', true, store.jobContext());
    }
  }
  const target =
    oauth.referralSource === 'APP' && URL.canParse(oauth.clientRedirectUrl ?? '')
      ? new URL(oauth.clientRedirectUrl!)
      : null;
  if (target) {
    // Back to the app with the outcome in the query.
    target.searchParams.set('status', denied ? 'error' : 'success');
    target.searchParams.set('member_guid', member.guid);
    if (denied) target.searchParams.set('error_reason', 'DENIED');
    return { status: 302, headers: { location: target.toString() } };
  }
  return denied
    ? html(200, 'Access denied', 'You declined to share your data. You can close this window.')
    : html(200, 'Connected', 'Authorization complete. You can close this window.');
}

export function browserPage(
  store: Store,
  method: string,
  pathname: string,
  query: URLSearchParams,
  accept = '',
): PageResult | null {
  if (method !== 'GET') return null;
  const oauth = /^\/oauth\/authorize\/([^/]+)$/.exec(pathname);
  if (oauth)
    return {
      endpoint: 'GET /oauth/authorize/{member_guid}',
      ...authorize(store, decodeURIComponent(oauth[1]!), query, accept),
    };
  if (/^\/widgets\/[^/]+\/[^/]+$/.test(pathname)) {
    return {
      endpoint: 'GET /widgets/{widget_type}/{token}',
      ...html(
        200,
        'MX widget (simulated)',
        'The MX simulator does not render widgets; connect members through the API.',
      ),
    };
  }
  return null;
}
