// How the end user gets back from an OAuth window, as a member create (body) or an OAuth window
// request (query) asks for it: referral_source BROWSER (the default) or APP, the
// client_redirect_url an APP window returns to (the spec: "Only available with
// referral_source=APP", and MX's guide requires it for APP), ui_message_webview_url_scheme and
// enable_app2app. Each refusal is a 400 naming the field.
import { badRequest } from './errors.js';
import { type JsonObject, optionalBoolean, optionalString, queryBoolean } from './request-input.js';

export const REFERRAL_SOURCES = ['BROWSER', 'APP'] as const;
export type ReferralSource = (typeof REFERRAL_SOURCES)[number];

/** RFC 3986's scheme: a letter, then letters, digits, `+`, `-` or `.`. */
const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*$/;

export interface OAuthReferral {
  referralSource: ReferralSource;
  clientRedirectUrl: string | null;
  uiMessageWebviewUrlScheme: string | null;
  enableApp2app: boolean;
}

interface RawReferral {
  referralSource: string | undefined;
  clientRedirectUrl: string | undefined;
  uiMessageWebviewUrlScheme: string | undefined;
  enableApp2app: boolean | undefined;
}

function checked(raw: RawReferral): OAuthReferral {
  const source = raw.referralSource ?? 'BROWSER';
  if (!(REFERRAL_SOURCES as readonly string[]).includes(source))
    throw badRequest(`referral_source must be one of ${REFERRAL_SOURCES.join(', ')}`);
  if (raw.clientRedirectUrl !== undefined && !URL.canParse(raw.clientRedirectUrl))
    throw badRequest('client_redirect_url must be an absolute URL');
  if (source === 'APP' && raw.clientRedirectUrl === undefined)
    throw badRequest('client_redirect_url is required with referral_source APP');
  // A scheme MX puts before `://` when it sends a webview's messages: the scheme alone.
  if (raw.uiMessageWebviewUrlScheme !== undefined && !URL_SCHEME.test(raw.uiMessageWebviewUrlScheme))
    throw badRequest('ui_message_webview_url_scheme must be a URL scheme alone, such as myapp (no ://)');
  return {
    referralSource: source as ReferralSource,
    clientRedirectUrl: raw.clientRedirectUrl ?? null,
    uiMessageWebviewUrlScheme: raw.uiMessageWebviewUrlScheme ?? null,
    // MX's default: "Defaults to true".
    enableApp2app: raw.enableApp2app ?? true,
  };
}

/** The referral of a create member body (fields beside `member`). */
export function referralFromBody(body: JsonObject): OAuthReferral {
  return checked({
    referralSource: optionalString(body, 'referral_source'),
    clientRedirectUrl: optionalString(body, 'client_redirect_url'),
    uiMessageWebviewUrlScheme: optionalString(body, 'ui_message_webview_url_scheme'),
    enableApp2app: optionalBoolean(body, 'enable_app2app'),
  });
}

/** The referral of an OAuth window request's query string. */
export function referralFromQuery(query: URLSearchParams): OAuthReferral {
  return checked({
    referralSource: query.get('referral_source') ?? undefined,
    clientRedirectUrl: query.get('client_redirect_url') ?? undefined,
    uiMessageWebviewUrlScheme: query.get('ui_message_webview_url_scheme') ?? undefined,
    enableApp2app: queryBoolean(query, 'enable_app2app'),
  });
}
