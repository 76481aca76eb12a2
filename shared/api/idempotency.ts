import { createHash } from 'node:crypto';
import type { ApiDeps } from '#shared/runtime/api-runtime.js';
import { logger } from '#shared/runtime/logger.js';
import { ApiError } from './api-error.js';
import type { ApiResponse } from './operation.js';
import { type RouteSpec, routeKey } from './routes.js';

/**
 * The retry-safety header of the routes flagged `idempotent`: 1–255 printable ASCII
 * characters, as the IETF's Idempotency-Key draft and the payment APIs that use it allow.
 */
export const IDEMPOTENCY_KEY = {
  header: 'Idempotency-Key',
  pattern: /^[\x20-\x7E]{1,255}$/,
  /** Set on an answer replayed for a key, so a caller can tell a retry's answer from a first one. */
  replayedHeader: 'Idempotent-Replayed',
} as const;

/** How long a key replays its first success: a day covers any client's retries. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** A claim older than this is a request that died: past the API's own 29 s limit. */
const IDEMPOTENCY_LEASE_SECONDS = 60;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * JSON with sorted keys: the same body hashes the same however its keys were ordered. The values
 * of credentials are left out: a fast hash of a password kept for a day could be guessed back,
 * so a key reused with other credentials alone replays the first answer.
 */
function canonicalJson(value: unknown, parentKey = ''): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item, parentKey)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([k, v]) => v !== undefined && !(parentKey === 'credentials' && k === 'value'))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, k)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

interface IdempotentRequest {
  readonly params: unknown;
  readonly body: unknown;
  readonly idempotencyKey: string;
}

/**
 * Runs an operation at most once per Idempotency-Key: the key is scoped to the route and its
 * path parameters (so to the user), and only hashes are stored, never the key or the body,
 * which for a member holds bank credentials. A success is kept and replayed; a failure frees
 * the key so the retry runs again.
 */
export async function runIdempotently(
  deps: ApiDeps,
  route: RouteSpec,
  request: IdempotentRequest,
  run: () => Promise<ApiResponse>,
): Promise<ApiResponse> {
  const keyHash = sha256(`${routeKey(route)}\n${canonicalJson(request.params)}\n${request.idempotencyKey}`);
  const claim = await deps.idempotency.claim({
    keyHash,
    requestHash: sha256(canonicalJson(request.body)),
    now: deps.now(),
    ttlSeconds: IDEMPOTENCY_TTL_SECONDS,
    leaseSeconds: IDEMPOTENCY_LEASE_SECONDS,
  });
  const field = IDEMPOTENCY_KEY.header;
  if (claim.kind === 'mismatch') throw new ApiError('IDEMPOTENCY_KEY_REUSED', field, { field });
  if (claim.kind === 'in_progress') throw new ApiError('IDEMPOTENCY_IN_PROGRESS', field, { field });
  if (claim.kind === 'replay') {
    return { ...claim.response, headers: { ...claim.response.headers, [IDEMPOTENCY_KEY.replayedHeader]: 'true' } };
  }
  let response: ApiResponse;
  try {
    response = await run();
  } catch (error) {
    await deps.idempotency
      .release(keyHash)
      .catch((releaseError: unknown) => logger.warn('idempotency key not released', { error: releaseError as Error }));
    throw error;
  }
  await deps.idempotency.complete(keyHash, response, {
    userGuid: userGuidOf(request.params) ?? createdUserGuid(response),
    expiresAt: Math.floor(deps.now().getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
  });
  return response;
}

/** The user a route's path names. */
function userGuidOf(params: unknown): string | undefined {
  const guid = (params as { user_guid?: unknown } | undefined)?.user_guid;
  return typeof guid === 'string' ? guid : undefined;
}

/** The user a kept answer is about, when the route names none (the user it created): a deletion purges it too. */
function createdUserGuid(response: ApiResponse): string | undefined {
  const user = (response.body as { user?: { guid?: unknown } } | undefined)?.user;
  return typeof user?.guid === 'string' ? user.guid : undefined;
}
