import { createHash, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { ApiError } from '#shared/api/api-error.js';
import type { LocalPrincipal } from './local-principals.js';

/** How far a signature's time may be from the gateway's, as AWS's `Signature expired` allows. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

export interface SignedRequest {
  readonly method: string;
  /** Path and query, as received. */
  readonly url: string;
  /** As Node gives them: names in lower case. */
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/**
 * The principal whose key signed the request (SigV4, service execute-api), recomputed with the
 * AWS SDK's signer from what arrived; an INVALID_SIGNATURE refusal when the header is malformed,
 * the key unknown, the time too far off, the body not the one hashed, or the signature another.
 */
export async function verifySigV4(
  request: SignedRequest,
  principals: readonly LocalPrincipal[],
  now: Date = new Date(),
): Promise<LocalPrincipal | ApiError> {
  const refused = new ApiError('INVALID_SIGNATURE');
  const match = AUTHORIZATION.exec(header(request, 'authorization') ?? '');
  if (!match) return refused;
  const [, accessKeyId, day, region, service, signedList, signature] = match as unknown as string[];
  const principal = principals.find((p) => p.accessKeyId === accessKeyId);
  const amzDate = header(request, 'x-amz-date') ?? '';
  const signedAt = parseAmzDate(amzDate);
  const signedHeaders = (signedList ?? '').split(';');
  if (!principal || service !== 'execute-api' || !signedAt || !amzDate.startsWith(day ?? '')) return refused;
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) return refused;
  if (Math.abs(now.getTime() - signedAt.getTime()) > MAX_CLOCK_SKEW_MS) return refused;
  const bodyHash = header(request, 'x-amz-content-sha256');
  if (bodyHash !== undefined && bodyHash !== createHash('sha256').update(request.body).digest('hex')) return refused;

  const url = new URL(request.url, 'http://localhost');
  const query: Record<string, string[]> = {};
  for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key);
  const signer = new SignatureV4({
    service: 'execute-api',
    region: region ?? '',
    credentials: { accessKeyId: principal.accessKeyId, secretAccessKey: principal.secretAccessKey },
    sha256: Sha256,
    applyChecksum: false,
  });
  const recomputed = await signer.sign(
    {
      method: request.method.toUpperCase(),
      protocol: 'http:',
      hostname: url.hostname,
      path: url.pathname,
      query,
      headers: Object.fromEntries(signedHeaders.map((name) => [name, header(request, name) ?? ''])),
      body: request.body,
    },
    { signingDate: signedAt, signableHeaders: new Set(signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(String(recomputed.headers.authorization))?.[1] ?? '';
  const same = expected.length === signature?.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
  return same ? principal : refused;
}

function header(request: SignedRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** `20261205T214100Z` */
function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}
