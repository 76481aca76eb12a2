import { ApiError } from './api-error.js';

/**
 * Where MX may send the end user's browser back to after OAuth or the Connect widget
 * (`client_redirect_url`): an https page, or an app of the fintech's by its URL scheme, named at
 * deploy (CLIENT_REDIRECT_SCHEMES). Anything else (http, javascript:, data:, file:, another
 * app's scheme) would let a request send the end user somewhere the fintech never chose.
 */

/** How a URL scheme is spelled (RFC 3986), lower case as URL parsing gives it; at most 64 characters. */
export const SCHEME = /^[a-z][a-z0-9+.-]{0,63}$/;

/** Schemes that never name a fintech's app: the web's own, and those that run or read something where they open. */
const NOT_APP_SCHEMES = new Set([
  'http',
  'https',
  'ws',
  'wss',
  'ftp',
  'file',
  'data',
  'blob',
  'about',
  'javascript',
  'vbscript',
  'mailto',
  'tel',
  'sms',
  'intent',
]);

/**
 * The app schemes of a CLIENT_REDIRECT_SCHEMES setting (`myapp,otherapp`; empty or unset: none).
 * Throws naming the entry that is not an app's scheme.
 */
export function parseAppSchemes(setting: string | undefined): readonly string[] {
  const schemes = (setting ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  for (const scheme of schemes) {
    if (!SCHEME.test(scheme) || NOT_APP_SCHEMES.has(scheme))
      throw new Error(`"${scheme}" is not an app's URL scheme (letters, digits, + . -; not a web scheme)`);
  }
  return schemes;
}

/** Why `url` may not be a client_redirect_url, or undefined when it may. */
export function redirectUrlProblem(url: string, appSchemes: readonly string[]): string | undefined {
  const scheme = URL.canParse(url) ? new URL(url).protocol.slice(0, -1) : undefined;
  if (scheme === 'https' || (scheme !== undefined && appSchemes.includes(scheme))) return undefined;
  return appSchemes.length === 0
    ? 'must be an https URL'
    : `must be an https URL or use one of the app schemes ${appSchemes.map((s) => `${s}:`).join(', ')}`;
}

/** Refuses (400 VALIDATION_FAILED naming `field`) a client_redirect_url MX must not be given. */
export function checkRedirectUrl(url: string | undefined, appSchemes: readonly string[], field: string): void {
  const problem = url === undefined ? undefined : redirectUrlProblem(url, appSchemes);
  if (problem) throw new ApiError('VALIDATION_FAILED', `${field}: ${problem}`, { field });
}
