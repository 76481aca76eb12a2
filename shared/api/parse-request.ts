import type { MiddlewareObj } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type * as z from '#shared/runtime/zod.js';
import { ApiError } from './api-error.js';
import { IDEMPOTENCY_KEY } from './idempotency.js';
import type { RouteSpec } from './routes.js';
import { hasLoneSurrogate, isIntactText, strictUtf8 } from './text-checks.js';

/** A request as its route's schemas parsed it (typed per route by `RouteRequest`). */
export interface ParsedRequest {
  readonly params: unknown;
  readonly query: unknown;
  readonly body: unknown;
  readonly idempotencyKey?: string;
}

/** Bodies larger than this are refused before parsing; MX's own requests are tiny. */
export const MAX_BODY_BYTES = 256 * 1024;

/** A proxy event once its route's middlewares have parsed it: `parsed` is what the operation receives. */
export interface RoutedEvent extends APIGatewayProxyEvent {
  parsed?: ParsedRequest;
}

type RouteMiddleware = MiddlewareObj<RoutedEvent, APIGatewayProxyResult>;

/** Checks a value against its schema; the first problem becomes a 400 naming its field. */
function validated(
  schema: z.ZodMiniType,
  value: unknown,
  code: 'INVALID_PARAMETER' | 'VALIDATION_FAILED',
  whole: string,
) {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  const path = issue?.path.map(String).join('.') ?? '';
  const unknownKeys = issue?.code === 'unrecognized_keys' ? issue.keys : undefined;
  if (unknownKeys?.length) {
    const name = [path, unknownKeys[0]].filter(Boolean).join('.');
    throw new ApiError(code, `${name} is not a field this API takes`, { field: name });
  }
  const field = path || whole;
  throw new ApiError(code, `${field}: ${issue?.message ?? 'is invalid'}`, { field });
}

/**
 * The body as text, refused (400 INVALID_JSON) unless it is intact UTF-8: a base64 body (API
 * Gateway's binary ones) is decoded strictly, a text body must hold no lone surrogate and no
 * U+FFFD (where a gateway replaced bytes that were not UTF-8). Otherwise two different byte
 * strings would become the same id.
 */
function bodyText(event: APIGatewayProxyEvent): string {
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? strictUtf8(Buffer.from(raw, 'base64')) : raw;
  if (text === undefined || !isIntactText(text)) throw new ApiError('INVALID_JSON');
  return text;
}

/** Headers arrive lower-cased: http-header-normalizer runs first. */
function idempotencyKeyOf(event: APIGatewayProxyEvent): string | undefined {
  const key = event.headers?.[IDEMPOTENCY_KEY.header.toLowerCase()];
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.pattern.test(key)) {
    const problem = `${IDEMPOTENCY_KEY.header} must be 1 to 255 printable ASCII characters`;
    throw new ApiError('INVALID_PARAMETER', problem, { field: IDEMPOTENCY_KEY.header });
  }
  return key;
}

/**
 * The idempotency key, path parameters and query, checked in that order, then what the body
 * must be before it is parsed: not too large, present when required (an empty one counts as
 * `{}` otherwise), and JSON by its Content-Type.
 */
function routeParts(route: RouteSpec): RouteMiddleware {
  return {
    before: ({ event }) => {
      const idempotencyKey = route.idempotent ? idempotencyKeyOf(event) : undefined;
      const params = route.params
        ? validated(route.params, event.pathParameters ?? {}, 'INVALID_PARAMETER', 'path')
        : {};
      const query = route.query
        ? validated(route.query, event.queryStringParameters ?? {}, 'INVALID_PARAMETER', 'query')
        : {};
      event.parsed = { params, query, body: undefined, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) };
      if (!route.body) return;
      const text = bodyText(event);
      if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new ApiError('BODY_TOO_LARGE', MAX_BODY_BYTES);
      if (text.trim() === '') {
        if (route.bodyRequired) throw new ApiError('BODY_REQUIRED');
        event.body = '{}';
        event.isBase64Encoded = false;
        return;
      }
      const contentType = event.headers?.['content-type'] ?? '';
      if (!/^application\/(.+\+)?json\b/i.test(contentType)) throw new ApiError('UNSUPPORTED_MEDIA_TYPE');
      // The parser below reads the text checked here, not the raw (maybe base64) body again.
      event.body = text;
      event.isBase64Encoded = false;
    },
  };
}

/**
 * JSON's `\ud800`-style escapes make a lone surrogate out of well-formed text: a key or string
 * holding one is not Unicode text, so the body is not JSON text either.
 */
function refuseLoneSurrogates(key: string, value: unknown): unknown {
  if (hasLoneSurrogate(key) || (typeof value === 'string' && hasLoneSurrogate(value))) {
    throw new ApiError('INVALID_JSON');
  }
  return value;
}

/**
 * middy's JSON body parser, on a body there is: the Content-Type was checked above (more
 * leniently, as before), and its refusal of malformed JSON (a 415 in middy 6) is our 400.
 */
function jsonBody(route: RouteSpec): RouteMiddleware {
  // `disableContentTypeCheck` is in middy 6's code but not its types: our check above is the one kept.
  const options = { reviver: refuseLoneSurrogates, disableContentTypeCheck: true };
  const parser = httpJsonBodyParser(options);
  return {
    before: async (request) => {
      if (!route.body) return;
      try {
        await parser.before?.(request as never);
      } catch {
        throw new ApiError('INVALID_JSON');
      }
    },
  };
}

/** The parsed body against the route's schema. */
function bodySchema(route: RouteSpec): RouteMiddleware {
  return {
    before: ({ event }) => {
      if (!route.body || !event.parsed) return;
      const body: unknown = event.body;
      event.parsed = { ...event.parsed, body: validated(route.body, body, 'VALIDATION_FAILED', 'body') };
    },
  };
}

/** The middlewares that turn a route's proxy event into its operation's typed request, each refusal naming the field. */
export function parseRouteRequest(route: RouteSpec): RouteMiddleware[] {
  return [routeParts(route), jsonBody(route), bodySchema(route)];
}
