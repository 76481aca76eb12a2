import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { listen } from '#local/http-server.js';
import { readBody } from '#local/read-body.js';

export interface RecordedRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface ScriptedHttpServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on an ephemeral loopback port whose answers a test scripts, for the
 * answers no faithful MX gives: truncated JSON, HTML error pages, silence, dropped sockets.
 */
export async function startScriptedHttpServer(
  answer: (request: RecordedRequest, response: ServerResponse) => void,
): Promise<ScriptedHttpServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => {
        const recorded = {
          method: req.method ?? '',
          url: new URL(req.url ?? '/', 'http://127.0.0.1'),
          headers: req.headers,
          body,
        };
        requests.push(recorded);
        answer(recorded, res);
      },
      // The client went away mid-request (a test that drops sockets): nothing to answer.
      () => res.destroy(),
    );
  });
  const listening = await listen(server);
  return { url: listening.url, requests, close: listening.stop };
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
