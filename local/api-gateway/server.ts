import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { invokeLocally, lambdaContext } from '#local/lambda-context.js';
import { readBody } from '#local/read-body.js';
import { ApiError } from '#shared/api/api-error.js';
import { API_FUNCTION_SIZE, apiFunctionEntry, apiFunctionName } from '#shared/api/api-functions.js';
import { API_FUNCTIONS, type ApiFunction } from '#shared/api/routes.js';
import { methodsFor, toProxyEvent } from './proxy-event.js';

type ApiLambda = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface LocalApiGateway {
  readonly url: string;
  stop(): Promise<void>;
}

export interface LocalApiGatewayOptions {
  readonly port?: number;
  readonly host?: string;
  /** Extra pages, e.g. the OpenAPI document at /openapi.json and /docs; answered before the routes. */
  readonly pages?: Record<string, { contentType: string; body: () => string }>;
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/**
 * A local API Gateway: HTTP in, the proxy event API Gateway would send to the route's
 * function, the real handler, its proxy result out. Routes come from the shared route table.
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

  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    void (async () => {
      const url = request.url ?? '/';
      const page = options.pages?.[url.split('?')[0] ?? ''];
      if (page && request.method === 'GET') {
        response.writeHead(200, { 'Content-Type': page.contentType });
        response.end(page.body());
        return;
      }
      const body = await readBody(request);
      const matched = toProxyEvent({ method: request.method ?? 'GET', url, headers: request.headers, body });
      if (!matched) {
        const allowed = methodsFor(new URL(url, 'http://localhost').pathname);
        const refusal =
          allowed.length > 0
            ? new ApiError('METHOD_NOT_ALLOWED', allowed, { headers: { Allow: allowed.join(', ') } })
            : new ApiError('NOT_FOUND', { message: `no route for ${request.method} ${url.split('?')[0]}` });
        sendJson(response, refusal.status, refusal.toBody(), refusal.headers);
        return;
      }
      // Its own invocation scope: interleaved requests log with their own function's context.
      const result = await invokeLocally(
        handlers[matched.route.function],
        matched.event,
        lambdaContext(
          apiFunctionName(matched.route.function),
          API_FUNCTION_SIZE.memoryMb,
          API_FUNCTION_SIZE.timeoutSeconds,
        ),
      );
      response.writeHead(result.statusCode, result.headers as Record<string, string>);
      response.end(result.body);
    })().catch(() => {
      // API Gateway's own answer when the integration fails.
      const failed = new ApiError('BAD_GATEWAY');
      if (!response.headersSent) sendJson(response, failed.status, failed.toBody());
      else response.end();
    });
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
