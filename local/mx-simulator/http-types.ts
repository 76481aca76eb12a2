// Shapes shared by the server and the route modules.
import type { IncomingHttpHeaders } from 'node:http';
import type { Store } from './store.js';
import type { Dialect } from './views.js';

export interface RequestContext {
  store: Store;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Parsed JSON body (undefined when the request had none). */
  body: unknown;
  dialect: Dialect;
  headers: IncomingHttpHeaders;
  /** Base URL the client reached us at, for links we hand out (OAuth window, widgets). */
  baseUrl: string;
}

export interface ApiResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path template exactly as in MX's spec, e.g. `/users/{user_guid}/members/{member_guid}`. */
  template: string;
  /** POST/PUT whose spec body is required: an empty body is a 400. */
  bodyRequired?: boolean;
  handler: (ctx: RequestContext) => ApiResult;
}
