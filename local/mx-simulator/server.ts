// HTTP front door: admin and browser paths first (no auth, no faults), then for MX API
// requests: fault injection, dialect + auth, Accept, routing, body parsing, the handler,
// latency, and MX's `{"error": {"message"}}` bodies. Counts every request in the stats.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '#local/read-body.js';
import { type AdminControls, adminRequest } from './admin.js';
import { browserPage } from './browser-pages.js';
import { refuseUnlistedIp } from './client-access.js';
import type { MxClock } from './clock.js';
import { ApiError } from './errors.js';
import type { FaultInjector } from './faults.js';
import type { ApiResult } from './http-types.js';
import { matchRoute } from './route-table.js';
import type { StatsRecorder } from './stats.js';
import type { Store } from './store.js';
import type { Dialect } from './views.js';

const PLATFORM_ACCEPT = 'application/vnd.mx.api.v1+json';
const ATRIUM_ACCEPT = 'application/vnd.mx.atrium.v1+json';
/** Since 2026-08-12 every Platform call names its API version; Atrium calls do not. */
const PLATFORM_API_VERSION = 'v20111101';

export interface ServerDeps {
  store: Store;
  stats: StatsRecorder;
  faults: FaultInjector;
  clock: MxClock;
  admin: AdminControls;
  credentials: () => { clientId: string; apiKey: string };
  /** Waits real ms; the simulator cancels pending waits on close. */
  sleep: (realMs: number) => Promise<void>;
  fallbackBaseUrl: () => string;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Atrium requests carry MX-API-Key / MX-Client-ID; everything else is Platform (Basic). */
function authenticate(req: IncomingMessage, expected: { clientId: string; apiKey: string }): Dialect {
  const atriumKey = header(req, 'mx-api-key');
  const atriumClient = header(req, 'mx-client-id');
  if (atriumKey !== undefined || atriumClient !== undefined) {
    if (atriumKey !== expected.apiKey || atriumClient !== expected.clientId) {
      throw new ApiError(401, 'invalid MX-API-Key / MX-Client-ID headers');
    }
    return 'atrium';
  }
  const auth = header(req, 'authorization') ?? '';
  const match = /^Basic\s+(\S+)$/i.exec(auth);
  const decoded = match ? Buffer.from(match[1]!, 'base64').toString('utf8') : '';
  const sep = decoded.indexOf(':');
  if (sep < 0 || decoded.slice(0, sep) !== expected.clientId || decoded.slice(sep + 1) !== expected.apiKey) {
    throw new ApiError(401, 'missing or invalid HTTP Basic credentials (client_id:api_key)', {
      'www-authenticate': 'Basic realm="MX"',
    });
  }
  return 'platform';
}

function checkAccept(req: IncomingMessage, dialect: Dialect): void {
  const wanted = dialect === 'atrium' ? ATRIUM_ACCEPT : PLATFORM_ACCEPT;
  const accept = (header(req, 'accept') ?? '').toLowerCase();
  if (!accept.split(',').some((part) => part.trim().split(';')[0] === wanted)) {
    throw new ApiError(406, `the Accept header must be ${wanted}`);
  }
  if (dialect === 'platform') checkAcceptVersion(req);
}

/**
 * MX refuses a Platform call without the Accept-Version header (400) or with a version it does not serve here
 * (406).
 */
function checkAcceptVersion(req: IncomingMessage): void {
  const version = header(req, 'accept-version')?.trim();
  if (!version)
    throw new ApiError(
      400,
      `the Accept-Version header is required on every Platform API call: send Accept-Version: ${PLATFORM_API_VERSION}`,
    );
  if (version !== PLATFORM_API_VERSION) {
    throw new ApiError(
      406,
      `the Accept-Version header names an API version this endpoint does not serve; send Accept-Version: ${PLATFORM_API_VERSION}`,
    );
  }
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new ApiError(400, 'the request body is not valid JSON');
  }
}

function errorResult(err: unknown): ApiResult {
  if (err instanceof ApiError)
    return { status: err.status, body: { error: { message: err.message } }, headers: err.headers };
  console.error('[mx-simulator] unexpected error', err);
  return { status: 500, body: { error: { message: 'internal simulator error' } } };
}

function send(res: ServerResponse, result: ApiResult): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = { ...result.headers };
  let payload = '';
  if (result.status !== 204 && result.body !== undefined) {
    payload = typeof result.body === 'string' ? result.body : JSON.stringify(result.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(result.status, headers);
  res.end(payload);
}

const FAULT_MESSAGES = {
  429: 'rate limit exceeded (simulated); retry after the Retry-After delay',
  500: 'internal server error (simulated)',
  503: 'service unavailable (simulated)',
} as const;

async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, deps: ServerDeps): Promise<void> {
  const method = req.method ?? 'GET';
  const match = matchRoute(method, url.pathname);
  const endpoint =
    match.kind === 'not_found'
      ? `${method} (unmatched)`
      : `${method} ${match.kind === 'found' ? match.route.template : match.template}`;
  const fault = deps.faults.decide();
  const limited = fault.kind === 'status' && fault.status === 429 ? deps.faults.retryAfter() : null;
  const memberGuid = match.kind === 'found' ? match.params.member_guid : undefined;
  if (memberGuid) deps.stats.recordMemberRequest(memberGuid, deps.clock.now(), limited?.mxMs ?? null);
  if (fault.kind === 'drop') {
    deps.stats.recordFault('drop');
    deps.stats.recordRequest(endpoint, 'dropped');
    req.socket.destroy();
    return;
  }
  const raw = await readBody(req);
  let result: ApiResult;
  try {
    if (fault.kind === 'status') {
      deps.stats.recordFault(fault.status);
      throw new ApiError(fault.status, FAULT_MESSAGES[fault.status], limited ? { 'retry-after': limited.header } : {});
    }
    refuseUnlistedIp(req.socket.remoteAddress, deps.store.config.allowedIps);
    const dialect = authenticate(req, deps.credentials());
    checkAccept(req, dialect);
    if (match.kind === 'not_found') throw new ApiError(404, `no MX endpoint ${method} ${url.pathname}`);
    if (match.kind === 'method_not_allowed') {
      throw new ApiError(405, `${method} is not allowed on ${match.template}`, { allow: match.allowed.join(', ') });
    }
    const hasBody = raw.trim().length > 0;
    if (match.route.bodyRequired && !hasBody)
      throw new ApiError(400, `${method} ${match.route.template} requires a JSON request body`);
    const body = hasBody && (method === 'POST' || method === 'PUT') ? parseJson(raw) : undefined;
    result = match.route.handler({
      store: deps.store,
      params: match.params,
      query: url.searchParams,
      body,
      dialect,
      headers: req.headers,
      baseUrl: req.headers.host ? `http://${req.headers.host}` : deps.fallbackBaseUrl(),
    });
  } catch (err) {
    result = errorResult(err);
  }
  deps.store.events.settle();
  const latency = deps.faults.settings.latencyMs;
  if (latency > 0) await deps.sleep(deps.clock.toRealMs(latency));
  deps.stats.recordRequest(endpoint, result.status);
  send(res, result);
}

async function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL, deps: ServerDeps): Promise<void> {
  const raw = await readBody(req);
  let result: ApiResult;
  try {
    result = adminRequest(deps.admin, req.method ?? 'GET', url.pathname, raw.trim() ? parseJson(raw) : undefined);
  } catch (err) {
    result = errorResult(err);
  }
  send(res, result);
}

export function createRequestListener(deps: ServerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator.local');
    let work: Promise<void>;
    if (url.pathname === '/_simulator' || url.pathname.startsWith('/_simulator/')) {
      work = handleAdmin(req, res, url, deps);
    } else {
      const page = browserPage(deps.store, req.method ?? 'GET', url.pathname, url.searchParams, req.headers.accept);
      if (page) {
        deps.store.events.settle();
        deps.stats.recordRequest(page.endpoint, page.status);
        send(res, page);
        return;
      }
      work = handleApi(req, res, url, deps);
    }
    work.catch((err: unknown) => {
      console.error('[mx-simulator] request failed', err);
      if (!res.headersSent) send(res, { status: 500, body: { error: { message: 'internal simulator error' } } });
    });
  };
}
