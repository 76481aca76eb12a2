import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { z } from 'zod';
import { ApiError } from './api-error.js';
import type { RouteSpec } from './routes.js';

/** Bodies larger than this are refused before parsing; MX's own requests are tiny. */
const MAX_BODY_BYTES = 256 * 1024;

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

export interface ParsedRequest {
  readonly params: Record<string, string>;
  readonly query: Record<string, unknown>;
  readonly body: unknown;
  /** The Idempotency-Key header of an idempotent route, when sent. */
  readonly idempotencyKey?: string;
}

/** Checks a value against its schema; the first problem becomes a 400 naming its field. */
function validated(schema: z.ZodType, value: unknown, code: string, whole: string): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const path = issue?.path.map(String).join('.') ?? '';
  const unknownKeys = issue?.code === 'unrecognized_keys' ? issue.keys : undefined;
  if (unknownKeys?.length) {
    const name = [path, unknownKeys[0]].filter(Boolean).join('.');
    throw new ApiError(400, code, `${name} is not a field this API takes`, name);
  }
  const field = path || whole;
  throw new ApiError(400, code, `${field}: ${issue?.message ?? 'is invalid'}`, field);
}

function bodyText(event: APIGatewayProxyEvent): string {
  const raw = event.body ?? '';
  return event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
}

function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  name = name.toLowerCase();
  const entry = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name);
  return entry?.[1] ?? undefined;
}

/** Checks a proxy event against its route: parameters, query and JSON body, each refusal naming the field. */
export function parseRequest(route: RouteSpec, event: APIGatewayProxyEvent): ParsedRequest {
  const key = route.idempotent ? idempotencyKeyOf(event) : undefined;
  const parsed = parseParts(route, event);
  return key === undefined ? parsed : { ...parsed, idempotencyKey: key };
}

function idempotencyKeyOf(event: APIGatewayProxyEvent): string | undefined {
  const key = header(event, IDEMPOTENCY_KEY.header);
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.pattern.test(key)) {
    throw new ApiError(400, 'INVALID_PARAMETER', `${IDEMPOTENCY_KEY.header} must be 1 to 255 printable ASCII characters`, IDEMPOTENCY_KEY.header);
  }
  return key;
}

function parseParts(route: RouteSpec, event: APIGatewayProxyEvent): ParsedRequest {
  const params = route.params ? (validated(route.params, event.pathParameters ?? {}, 'INVALID_PARAMETER', 'path') as Record<string, string>) : {};
  const query = route.query ? (validated(route.query, event.queryStringParameters ?? {}, 'INVALID_PARAMETER', 'query') as Record<string, unknown>) : {};
  if (!route.body) return { params, query, body: undefined };

  const text = bodyText(event);
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new ApiError(413, 'BODY_TOO_LARGE', `the body is larger than ${MAX_BODY_BYTES} bytes`);
  if (text.trim() === '') {
    if (route.bodyRequired) throw new ApiError(400, 'BODY_REQUIRED', 'this request needs a JSON body');
    return { params, query, body: validated(route.body, {}, 'VALIDATION_FAILED', 'body') };
  }
  const contentType = header(event, 'content-type') ?? '';
  if (!/^application\/(.+\+)?json\b/i.test(contentType)) {
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON with Content-Type: application/json');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'INVALID_JSON', 'the body is not valid JSON');
  }
  return { params, query, body: validated(route.body, json, 'VALIDATION_FAILED', 'body') };
}
