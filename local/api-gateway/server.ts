import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { LOCAL_AWS_REGION } from '#local/dynamodb-local.js';
import { invokeLocally, lambdaContext } from '#local/lambda-context.js';
import { ApiError } from '#shared/api/api-error.js';
import { API_FUNCTION_SIZE, apiFunctionEntry } from '#shared/api/api-functions.js';
import { GATEWAY_LIMITS } from '#shared/api/gateway-limits.js';
import { apiResourcePolicy, parsePrincipalList } from '#shared/api/resource-policy.js';
import { API_FUNCTIONS, type ApiFunction } from '#shared/api/routes.js';
import { LOCAL_ACCOUNT_ID, LOCAL_BACKEND, LOCAL_PRINCIPALS, type LocalPrincipal } from './local-principals.js';
import { apiGatewayAdmits } from './policy-evaluation.js';
import { methodsFor, routeFor, toProxyEvent } from './proxy-event.js';
import { verifySigV4 } from './sigv4-verification.js';

type ApiLambda = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The local API's ARN, as `execute-api:/…` in its resource policy stands for it. */
const LOCAL_API_ARN = `arn:aws:execute-api:${LOCAL_AWS_REGION}:${LOCAL_ACCOUNT_ID}:local`;
const STAGE = 'local';
/** Node's own limit on a request's head, above API Gateway's so the gateway's refusal is the one answered. */
const MAX_HEAD_BYTES = 64 * 1024;

export interface LocalApiGateway {
  readonly url: string;
  stop(): Promise<void>;
}

export interface LocalApiGatewayOptions {
  readonly port?: number;
  readonly host?: string;
  /** Extra pages, e.g. the OpenAPI document at /openapi.json and /docs; answered before the routes. */
  readonly pages?: Record<string, { contentType: string; body: () => string; headers?: Record<string, string> }>;
  /**
   * The principals the API's resource policy lets in, as `-c allowedPrincipals` lists them in AWS:
   * by default every local principal (LOCAL_PRINCIPALS).
   */
  readonly allowedPrincipals?: readonly string[];
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  response.end(text);
}

const refuse = (response: ServerResponse, refusal: ApiError, headers: Record<string, string> = {}) =>
  sendJson(response, refusal.status, refusal.toBody(), { ...refusal.headers, ...headers });

/** A refusal written straight to a connection whose request Node could not parse (no response object). */
function refuseOnSocket(socket: Duplex, refusal: ApiError): void {
  const body = JSON.stringify(refusal.toBody());
  socket.end(
    `HTTP/1.1 ${refusal.status} ${refusal.code}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The whole body, or undefined once it passes `maxBytes` (the rest is not read). */
function readBody(request: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        request.removeAllListeners('data');
        request.pause();
        done(undefined);
      } else chunks.push(chunk);
    });
    request.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    request.on('error', fail);
  });
}

/**
 * A local API Gateway: HTTP in, the proxy event API Gateway would send to the route's
 * function, the real handler, its proxy result out. Routes come from the shared route table.
 * Before a function runs it does what API Gateway does first: its limits (URL, method ARN,
 * payload), IAM auth (SigV4 recomputed for the local principals' keys) and the resource policy
 * the stack deploys, each refusal in the API's error envelope as the stack's gateway responses give it.
 */
export async function startLocalApiGateway(options: LocalApiGatewayOptions = {}): Promise<LocalApiGateway> {
  const handlers = Object.fromEntries(
    await Promise.all(
      API_FUNCTIONS.map(async (family) => {
        const module = (await import(pathToFileURL(resolve(projectRoot, apiFunctionEntry(family))).href)) as {
          handler: ApiLambda;
        };
        return [family, module.handler] as const;
      }),
    ),
  ) as Record<ApiFunction, ApiLambda>;
  const policy = apiResourcePolicy({
    allowedPrincipals: parsePrincipalList(options.allowedPrincipals ?? LOCAL_PRINCIPALS.map((p) => p.arn)),
  });

  const sockets = new Set<Socket>();
  const server = createServer({ maxHeaderSize: MAX_HEAD_BYTES }, (request, response) => {
    void (async () => {
      const url = request.url ?? '/';
      const method = request.method ?? 'GET';
      if (url.length > GATEWAY_LIMITS.maxUrlLength)
        return refuse(response, new ApiError('URI_TOO_LONG', `longer than ${GATEWAY_LIMITS.maxUrlLength} characters`));
      const page = options.pages?.[url.split('?')[0] ?? ''];
      if (page && method === 'GET') {
        response.writeHead(200, { 'Content-Type': page.contentType, ...page.headers });
        response.end(page.body());
        return;
      }
      const tooLarge = new ApiError('BODY_TOO_LARGE', GATEWAY_LIMITS.maxPayloadBytes);
      // Unread bytes stay on the connection: it closes after the refusal.
      if (Number(request.headers['content-length'] ?? 0) > GATEWAY_LIMITS.maxPayloadBytes)
        return refuse(response, tooLarge, { Connection: 'close' });
      const body = await readBody(request, GATEWAY_LIMITS.maxPayloadBytes);
      if (body === undefined) return refuse(response, tooLarge, { Connection: 'close' });

      const { pathname } = new URL(url, 'http://localhost');
      const route = routeFor(method, pathname);
      if (!route) {
        const allowed = methodsFor(pathname);
        const refusal =
          allowed.length > 0
            ? new ApiError('METHOD_NOT_ALLOWED', allowed, { headers: { Allow: allowed.join(', ') } })
            : new ApiError('NOT_FOUND', { message: `no route for ${method} ${url.split('?')[0]}` });
        return refuse(response, refusal);
      }
      const resource = `${LOCAL_API_ARN}/${STAGE}/${method.toUpperCase()}${pathname}`;
      if (Buffer.byteLength(resource) > GATEWAY_LIMITS.maxMethodArnBytes)
        return refuse(
          response,
          new ApiError('URI_TOO_LONG', `its method ARN is longer than ${GATEWAY_LIMITS.maxMethodArnBytes} bytes`),
        );
      // IAM auth: a signature is checked; an unsigned request is the local backend's (a local
      // convenience: in AWS it is refused). MX's webhook route has no IAM auth: its callers are anonymous.
      let caller: LocalPrincipal | undefined;
      if (route.auth !== 'mx-webhook') {
        const signed = request.headers.authorization !== undefined;
        const verified = signed
          ? await verifySigV4({ method, url, headers: request.headers, body }, LOCAL_PRINCIPALS)
          : LOCAL_BACKEND;
        if (verified instanceof ApiError) return refuse(response, verified);
        caller = verified;
      }
      const admitted = apiGatewayAdmits(policy, {
        ...(caller ? { principalArn: caller.arn, principalAccount: LOCAL_ACCOUNT_ID } : {}),
        resource,
      });
      if (!admitted) return refuse(response, new ApiError('ACCESS_DENIED'));

      const matched = toProxyEvent({ method, url, headers: request.headers, body, caller });
      if (!matched) return refuse(response, new ApiError('NOT_FOUND', { message: `no route for ${method} ${url}` }));
      // Its own invocation scope: interleaved requests log with their own function's context.
      const result = await invokeLocally(
        handlers[matched.route.function],
        matched.event,
        lambdaContext(`api-${matched.route.function}`, API_FUNCTION_SIZE.memoryMb, API_FUNCTION_SIZE.timeoutSeconds),
      );
      response.writeHead(result.statusCode, result.headers as Record<string, string>);
      response.end(result.body);
    })().catch(() => {
      // A request whose client hung up mid-body is not answered (clientError answered a half-closed one).
      if (!request.complete) return;
      // API Gateway's own answer when the integration fails.
      if (!response.headersSent) refuse(response, new ApiError('BAD_GATEWAY'));
      else response.end();
    });
  });
  // What Node cannot parse never reaches a route: a body cut short of its Content-Length (the
  // client ended its side) or a head past Node's limit; answered in the envelope when the client still listens.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const refusal =
      error.code === 'HPE_INVALID_EOF_STATE'
        ? new ApiError('BODY_INCOMPLETE')
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? new ApiError('URI_TOO_LONG', `the request line and headers are longer than ${MAX_HEAD_BYTES} bytes`)
          : undefined;
    if (refusal && socket.writable) refuseOnSocket(socket, refusal);
    else socket.destroy();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((ready) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    stop: () =>
      new Promise<void>((done) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => done());
      }),
  };
}
