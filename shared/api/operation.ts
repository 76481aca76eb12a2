import type { ApiDeps } from '#shared/runtime/api-runtime.js';
import type { ApiFunction, OperationId, RouteOf, RouteRequest, RouteSpec } from './routes.js';

/** What an operation answers; the handler writes it as JSON. */
export interface ApiResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** One route's logic: its request arrives parsed and typed by the route's schemas. */
export type Operation<R extends RouteSpec = RouteSpec> = OperationOn<RouteRequest<R>>;

/** An operation by the request it takes (structural, so routes of one shape share an operation). */
type OperationOn<Request> = (deps: ApiDeps, request: Request) => Promise<ApiResponse>;

/** Every operation of a family of routes, each typed by its own route. */
export type FamilyOperations<F extends ApiFunction> = {
  readonly [Id in OperationId<F>]: OperationOn<RouteRequest<RouteOf<Id>>>;
};
