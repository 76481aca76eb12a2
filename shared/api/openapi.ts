import { readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import type * as z from '#shared/runtime/zod.js';
import { IDEMPOTENCY_KEY } from './idempotency.js';
import { type ConvertedSchemas, componentRef, convertSchemas } from './openapi-schemas.js';
import type {
  HttpMethod,
  JsonSchema,
  OpenApiDocument,
  Operation,
  Parameter,
  Reference,
  ResponseObject,
  Server,
} from './openapi-types.js';
import { API_FUNCTIONS, API_ROUTES, type ApiFunction, type RouteSpec } from './routes.js';

export type { OpenApiDocument } from './openapi-types.js';

/** The API contract's version is the package's: bump it (and say how in the CHANGELOG) when a change breaks callers. */
const API_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const DESCRIPTION = [
  'Runs MX bank-connection workflows: verify (account and routing numbers), identify (account owners)',
  'and aggregate (accounts and transactions) jobs on MX members, answering MFA challenges on the way.',
  '',
  "Requests and responses are JSON in MX's style: snake_case, one envelope key per resource",
  '(`{"member": {…}}`). Every error answers `{"error": {"code", "message", "field"?}}`;',
  '`field` names the offending parameter or body field.',
  '',
  'Input is strict: a body must be UTF-8 JSON text (bytes that are not UTF-8, or escapes that make a lone',
  'surrogate, are `INVALID_JSON`), ids hold no control characters, `limit`/`page` are plain decimal digits,',
  'and cursors are opaque and sealed: only a cursor the API gave out, for the same list, is taken back.',
].join('\n');

const TAG_DESCRIPTIONS: Record<ApiFunction, string> = {
  users: 'MX users, and Connect widget URLs for them',
  institutions: 'MX institutions and the credentials they ask for',
  members: "A user's connection at an institution",
  jobs: 'Verify, identify and aggregate jobs, and the challenges they wait on',
  results: 'What finished jobs fetched: account numbers, owners, accounts, transactions',
  webhooks:
    "MX's webhooks: the receiver MX's dashboard posts to, with the HTTP Basic credentials of the webhook secret",
};

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const errorResponse = (description: string): ResponseObject => ({
  description,
  content: json(componentRef('ErrorBody')),
});

/** Answers every route can give besides its own, as `components.responses`. */
const COMMON_RESPONSES = {
  BadRequest: errorResponse(
    'A path parameter, query parameter or the body is not valid (or the body is not UTF-8 JSON text), or MX refused a field of it',
  ),
  Forbidden: {
    description: 'API Gateway refused the request\'s IAM signature; its own body, `{"message"}`',
    content: json({ type: 'object', properties: { message: { type: 'string' } } }),
  },
  Unauthorized: errorResponse("MX's webhook route: the HTTP Basic credentials are missing or wrong (UNAUTHORIZED)"),
  NotFound: errorResponse('Something the path names does not exist'),
  UnsupportedMediaType: errorResponse('The body is not `application/json`'),
  InternalError: errorResponse('mxflow failed unexpectedly'),
  BadGateway: errorResponse('MX answered with an error or a response mxflow could not read'),
  ServiceUnavailable: errorResponse('MX (or AWS) is unavailable or throttling; try again later'),
} satisfies Record<string, ResponseObject>;

const responseRef = (name: keyof typeof COMMON_RESPONSES): Reference => ({ $ref: `#/components/responses/${name}` });

export function buildOpenApiDocument(options: { serverUrl?: string } = {}): OpenApiDocument {
  const routes: readonly RouteSpec[] = API_ROUTES;
  const schemas = convertSchemas(routes.flatMap(routeSchemas));
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const item = paths[route.path] ?? {};
    item[route.method.toLowerCase() as HttpMethod] = operation(route, schemas);
    paths[route.path] = item;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'mxflow API', version: API_VERSION, description: DESCRIPTION },
    servers: [server(options.serverUrl)],
    security: [{ sigv4: [] }],
    tags: API_FUNCTIONS.map((name) => ({ name, description: TAG_DESCRIPTIONS[name] })),
    paths,
    components: {
      schemas: schemas.components,
      responses: structuredClone(COMMON_RESPONSES),
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            'AWS Signature Version 4 (IAM): sign each request for `execute-api` with credentials allowed to invoke the API',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
        mxWebhookBasic: {
          type: 'http',
          scheme: 'basic',
          description: "MX's webhook route only: the username and password of the stack's webhook secret",
        },
      },
    },
  };
}

function routeSchemas(route: RouteSpec): z.ZodMiniType[] {
  const response = Object.values(route.responses).filter((schema) => schema !== null);
  return [route.params, route.query, route.body, ...response].filter((schema) => schema !== undefined);
}

function operation(route: RouteSpec, schemas: ConvertedSchemas): Operation {
  const parameters = [
    ...parametersOf(route.params, 'path', schemas),
    ...parametersOf(route.query, 'query', schemas),
    ...idempotencyParameter(route),
  ];
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.function],
    ...(route.auth === 'mx-webhook' ? { security: [{ mxWebhookBasic: [] }] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(route.body
      ? { requestBody: { required: route.bodyRequired ?? false, content: json(schemas.of(route.body)) } }
      : {}),
    responses: { ...commonResponses(route), ...declaredResponses(route, schemas), ...idempotencyResponses(route) },
  };
}

function idempotencyParameter(route: RouteSpec): Parameter[] {
  if (!route.idempotent) return [];
  return [
    {
      name: IDEMPOTENCY_KEY.header,
      in: 'header',
      required: false,
      description:
        'Makes a retry safe: the same key on this route and path answers the first success again (with `Idempotent-Replayed: true`) ' +
        'without calling MX twice, for 24 hours. A key used with another body is refused (422 `IDEMPOTENCY_KEY_REUSED`); one whose ' +
        'first request still runs is refused (409 `IDEMPOTENCY_IN_PROGRESS`). A failed request frees its key.',
      schema: { type: 'string', minLength: 1, maxLength: 255, pattern: IDEMPOTENCY_KEY.pattern.source },
    },
  ];
}

/** The answers an Idempotency-Key adds: the reused-key refusal, and 409 also meaning "in flight". */
function idempotencyResponses(route: RouteSpec): Record<string, ResponseObject> {
  if (!route.idempotent) return {};
  return { 422: errorResponse(`The ${IDEMPOTENCY_KEY.header} was used with another body (IDEMPOTENCY_KEY_REUSED)`) };
}

/** One parameter per property of the (object) schema; path parameters are always required. */
function parametersOf(
  schema: z.ZodMiniType | undefined,
  where: Parameter['in'],
  schemas: ConvertedSchemas,
): Parameter[] {
  if (!schema) return [];
  const json = schemas.of(schema);
  // a union or a $ref has no one list of names to turn into parameters
  if (json.type !== 'object')
    throw new Error(`${where} parameters must be a z.object(), got ${JSON.stringify(json).slice(0, 100)}`);
  const { properties = {}, required = [] } = json as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.includes(name),
    schema: property,
  }));
}

function declaredResponses(route: RouteSpec, schemas: ConvertedSchemas): Record<string, ResponseObject> {
  const responses: Record<string, ResponseObject> = {};
  for (const [status, schema] of Object.entries(route.responses)) {
    const description = STATUS_CODES[status] ?? `HTTP ${status}`;
    if (schema) responses[status] = { description, content: json(schemas.of(schema)) };
    else responses[status] = Number(status) >= 400 ? errorResponse(description) : { description };
  }
  return responses;
}

/** Integer keys: JSON.stringify lists them in ascending order whatever order they are added in. */
function commonResponses(route: RouteSpec): Record<string, Reference> {
  return {
    ...(route.params || route.query || route.body ? { 400: responseRef('BadRequest') } : {}),
    ...(route.auth === 'mx-webhook' ? { 401: responseRef('Unauthorized') } : { 403: responseRef('Forbidden') }),
    ...(route.params ? { 404: responseRef('NotFound') } : {}),
    ...(route.body ? { 415: responseRef('UnsupportedMediaType') } : {}),
    500: responseRef('InternalError'),
    502: responseRef('BadGateway'),
    503: responseRef('ServiceUnavailable'),
  };
}

/** The option's URL, or API Gateway's invoke URL with its parts left as variables. */
function server(url: string | undefined): Server {
  if (url) return { url };
  return {
    url: 'https://{api_id}.execute-api.{region}.amazonaws.com/{stage}',
    description: 'The deployed API (its URL is a stack output)',
    variables: {
      api_id: { default: 'api-id', description: "The API's id" },
      region: { default: 'us-east-1', description: 'The AWS region it is deployed in' },
      stage: { default: 'prod', description: 'The API stage' },
    },
  };
}
