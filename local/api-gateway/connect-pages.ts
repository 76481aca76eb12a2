import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalApiGatewayOptions } from './server.js';

const pageDirectory = resolve(dirname(fileURLToPath(import.meta.url)), '../connect-page');

/**
 * What the page may load and send to: only its own origin (and images as data, as MX sends
 * them). A page that handles bank credentials should say so to the browser.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const file = (name: string, contentType: string) => ({
  contentType,
  headers: { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Content-Type-Options': 'nosniff' },
  // Read at each request: an edit to the page shows on reload, with no restart.
  body: () => readFileSync(resolve(pageDirectory, name), 'utf8'),
});

/**
 * The reference connect page (`/connect`): static files calling the API on the same origin. Only
 * the local stack serves it; in AWS the API is IAM-only, so a fintech's backend proxies the calls.
 */
export function connectPages(): NonNullable<LocalApiGatewayOptions['pages']> {
  return {
    '/connect': file('index.html', 'text/html; charset=utf-8'),
    '/connect/connect.js': file('connect.js', 'text/javascript; charset=utf-8'),
    '/connect/connect.css': file('connect.css', 'text/css; charset=utf-8'),
  };
}
