import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { API_ROUTES, type RouteSpec } from '#shared/api/routes.js';
import { LOCAL_ACCOUNT_ID, type LocalPrincipal } from './local-principals.js';

export interface HttpRequest {
  readonly method: string;
  /** Path and query, as received: `/users/USR-1?limit=10`. */
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** Who API Gateway found signed it (its IAM auth); none for a route outside IAM auth. */
  readonly caller?: LocalPrincipal | undefined;
}

export interface MatchedEvent {
  readonly route: RouteSpec;
  readonly event: APIGatewayProxyEvent;
}

const matchers = API_ROUTES.map((route) => {
  const names: string[] = [];
  const pattern = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route: route as RouteSpec, regex: new RegExp(`^${pattern}/?$`), names };
});

/** The route a method and path reach, if any. */
export function routeFor(method: string, pathname: string): RouteSpec | undefined {
  return matchers.find((m) => m.route.method === method.toUpperCase() && m.regex.test(pathname))?.route;
}

/** Routes whose path matches, whatever the method: to tell 404 from 405. */
export function methodsFor(pathname: string): string[] {
  return matchers.filter((m) => m.regex.test(pathname)).map((m) => m.route.method);
}

/**
 * Turns an HTTP request into the proxy event API Gateway (REST, Lambda proxy integration)
 * would give the route's function, from the same route table CDK builds the API from.
 */
export function toProxyEvent(request: HttpRequest): MatchedEvent | undefined {
  const url = new URL(request.url, 'http://localhost');
  const method = request.method.toUpperCase();
  for (const { route, regex, names } of matchers) {
    if (route.method !== method) continue;
    const match = regex.exec(url.pathname);
    if (!match) continue;
    const pathParameters = Object.fromEntries(names.map((name, i) => [name, safeDecode(match[i + 1] ?? '')]));
    const query = [...url.searchParams.keys()];
    const headers = Object.fromEntries(
      Object.entries(request.headers).flatMap(([k, v]) =>
        v === undefined ? [] : [[k, Array.isArray(v) ? v.join(',') : v]],
      ),
    );
    const requestId = randomUUID();
    return {
      route,
      event: {
        resource: route.path,
        path: url.pathname,
        httpMethod: method,
        headers,
        multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
        queryStringParameters: query.length
          ? Object.fromEntries(query.map((k) => [k, url.searchParams.get(k) ?? '']))
          : null,
        multiValueQueryStringParameters: query.length
          ? Object.fromEntries(query.map((k) => [k, url.searchParams.getAll(k)]))
          : null,
        pathParameters: names.length ? pathParameters : null,
        stageVariables: null,
        body: request.body === '' ? null : request.body,
        isBase64Encoded: false,
        requestContext: {
          accountId: LOCAL_ACCOUNT_ID,
          apiId: 'local',
          authorizer: null,
          protocol: 'HTTP/1.1',
          httpMethod: method,
          identity: identityOf(request.caller, request.headers['user-agent']),
          path: url.pathname,
          stage: 'local',
          requestId,
          requestTimeEpoch: Date.now(),
          resourceId: 'local',
          resourcePath: route.path,
        },
      },
    };
  }
  return undefined;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** As API Gateway fills it for an IAM-authorized request (all null for an unsigned one). */
function identityOf(
  caller: LocalPrincipal | undefined,
  userAgent: string | string[] | undefined,
): APIGatewayProxyEvent['requestContext']['identity'] {
  return {
    accessKey: caller?.accessKeyId ?? null,
    accountId: caller ? LOCAL_ACCOUNT_ID : null,
    apiKey: null,
    apiKeyId: null,
    caller: caller?.caller ?? null,
    clientCert: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp: '127.0.0.1',
    user: caller?.caller ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent : null,
    userArn: caller?.userArn ?? null,
  };
}
