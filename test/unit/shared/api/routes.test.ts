import { describe, expect, it } from 'vitest';
import { API_FUNCTION_PAGES, API_FUNCTIONS, API_ROUTES, type RouteSpec } from '#shared/api/routes.js';
import * as z from '#shared/runtime/zod.js';

/** The query parameters a route takes, as its OpenAPI parameters show them. */
const queryParameters = (query: z.ZodMiniType | undefined): string[] =>
  query ? Object.keys((z.toJSONSchema(query, { io: 'input' }) as { properties?: object }).properties ?? {}) : [];

describe('the route table', () => {
  it('says which functions hand out cursors (and may read the cursor key): exactly those whose routes take one', () => {
    const paging = new Set(
      (API_ROUTES as readonly RouteSpec[])
        .filter((route) =>
          queryParameters(route.query).some((name) => name === 'cursor' || name === 'updated_since_cursor'),
        )
        .map((route) => route.function),
    );

    expect(API_FUNCTIONS.filter((family) => API_FUNCTION_PAGES[family])).toEqual(
      API_FUNCTIONS.filter((family) => paging.has(family)),
    );
    expect(paging.size).toBeGreaterThan(0);
  });
});
