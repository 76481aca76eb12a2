import { authHeaders, type MxCredentials, type MxDialect } from './dialect.js';
import { codeForStatus, MxError } from './errors.js';
import { redactSecrets } from './redact.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type QueryValue = string | number | boolean | undefined;

export interface MxTransportConfig {
  readonly baseUrl: string;
  readonly credentials: MxCredentials;
  readonly dialect: MxDialect;
  /** Per-request limit, connection to last byte. */
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
  /** Told about every call, for metrics; gets no body, header or guid-free path beyond the template. */
  readonly onCall?: (call: MxCallRecord) => void;
}

export interface MxCallRecord {
  readonly operation: string;
  readonly method: HttpMethod;
  readonly pathTemplate: string;
  readonly status?: number;
  readonly errorCode?: string;
  readonly durationMs: number;
}

export interface MxRequest {
  readonly operation: string;
  readonly method: HttpMethod;
  /** MX's path with `{name}` placeholders, as in MX's spec. */
  readonly pathTemplate: string;
  readonly pathParams?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly body?: unknown;
  /** Raw text for MX's X-CALLBACK-PAYLOAD header; sent base64-encoded. */
  readonly callbackPayload?: string;
  /** Values this request carries that must never come back out in an error (bank credentials, answers). */
  readonly secrets?: readonly string[];
}

export interface MxHttpResponse {
  readonly status: number;
  readonly body: unknown;
}

/** MX echoes at most this much callback payload (after base64). */
const MAX_CALLBACK_PAYLOAD_LENGTH = 1024;

/**
 * MX's path with its parameters filled in, each one path segment. A parameter of `.` or `..`
 * would survive encoding and name another resource once the URL is resolved: refused unsent.
 */
function expandPath(operation: string, template: string, params: Readonly<Record<string, string>> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    const problem =
      value === undefined || value === '' ? 'is missing' : value === '.' || value === '..' ? 'is a dot segment' : '';
    if (problem)
      throw new MxError({ operation, code: 'MX_INVALID_REQUEST', mxMessage: `path parameter ${name} ${problem}` });
    return encodeURIComponent(value as string);
  });
}

function encodeCallbackPayload(operation: string, payload: string): string {
  const encoded = Buffer.from(payload, 'utf8').toString('base64');
  if (encoded.length > MAX_CALLBACK_PAYLOAD_LENGTH) {
    throw new MxError({
      operation,
      code: 'MX_INVALID_REQUEST',
      mxMessage: `callback payload is ${encoded.length} characters once base64-encoded; MX allows ${MAX_CALLBACK_PAYLOAD_LENGTH}`,
    });
  }
  return encoded;
}

function buildUrl(baseUrl: string, request: MxRequest): string {
  const url = new URL(expandPath(request.operation, request.pathTemplate, request.pathParams), baseUrl);
  for (const [key, value] of Object.entries(request.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url.toString();
}

/** MX publishes no error-body shape for v20111101: take a message from whatever JSON came back. */
function errorMessageOf(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const { error, message } = body as { error?: unknown; message?: unknown };
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object') {
    const inner = (error as { message?: unknown }).message;
    if (typeof inner === 'string') return inner;
  }
  return typeof message === 'string' ? message : undefined;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function retryAfterSeconds(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function failureOf(operation: string, cause: unknown): MxError {
  const name = cause instanceof Error ? cause.name : '';
  const timedOut = name === 'TimeoutError' || name === 'AbortError';
  return new MxError({ operation, code: timedOut ? 'MX_TIMEOUT' : 'MX_NETWORK' });
}

/**
 * One HTTP exchange with MX. Answers the status and parsed JSON body for 2xx; throws an
 * MxError for everything else, including a 2xx whose body is not JSON.
 */
export async function sendMxRequest(config: MxTransportConfig, request: MxRequest): Promise<MxHttpResponse> {
  const { operation } = request;
  const headers: Record<string, string> = authHeaders(config.dialect, config.credentials);
  if (request.body !== undefined) headers['Content-Type'] = 'application/json';
  if (request.callbackPayload !== undefined) {
    headers['X-Callback-Payload'] = encodeCallbackPayload(operation, request.callbackPayload);
  }
  const secrets = [...(request.secrets ?? []), config.credentials.apiKey];
  const url = buildUrl(config.baseUrl, request);
  const started = performance.now();
  const record = (outcome: { status?: number; errorCode?: string }) =>
    config.onCall?.({
      operation,
      method: request.method,
      pathTemplate: request.pathTemplate,
      durationMs: performance.now() - started,
      ...outcome,
    });

  let status: number;
  let text: string;
  let retryAfter: string | null;
  try {
    const response = await config.fetch(url, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(config.timeoutMs),
    });
    status = response.status;
    retryAfter = response.headers.get('retry-after');
    text = await response.text();
  } catch (cause) {
    const error = failureOf(operation, cause);
    record({ errorCode: error.code });
    throw error;
  }

  const parsed = text === '' ? { ok: true as const, value: undefined } : parseJson(text);
  if (status >= 200 && status < 300) {
    if (!parsed.ok || (parsed.value === undefined && status !== 204)) {
      record({ status, errorCode: 'MX_INVALID_RESPONSE' });
      throw new MxError({ operation, status, code: 'MX_INVALID_RESPONSE', mxMessage: 'the answer is not JSON' });
    }
    record({ status });
    return { status, body: parsed.value };
  }

  const message = parsed.ok ? errorMessageOf(parsed.value) : undefined;
  const code = codeForStatus(status, message);
  record({ status, errorCode: code });
  throw new MxError({
    operation,
    status,
    code,
    ...(message === undefined ? {} : { mxMessage: redactSecrets(message, secrets) }),
    ...(code === 'MX_RATE_LIMITED' ? { retryAfterSeconds: retryAfterSeconds(retryAfter) } : {}),
  });
}
