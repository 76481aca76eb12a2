// Every MX endpoint the simulator serves, and path matching against the spec's templates.
import type { Route } from './http-types.js';
import { accountRoutes } from './routes/accounts.js';
import { institutionRoutes } from './routes/institutions.js';
import { memberJobRoutes } from './routes/member-jobs.js';
import { memberRoutes } from './routes/members.js';
import { transactionRoutes } from './routes/transactions.js';
import { userRoutes } from './routes/users.js';
import { widgetRoutes } from './routes/widgets.js';

export const SIMULATOR_ROUTES: readonly Route[] = [
  ...institutionRoutes,
  ...userRoutes,
  ...memberRoutes,
  ...memberJobRoutes,
  ...accountRoutes,
  ...transactionRoutes,
  ...widgetRoutes,
];

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'method_not_allowed'; template: string; allowed: string[] }
  | { kind: 'not_found' };

function matchTemplate(template: string, segments: string[]): Record<string, string> | null {
  const parts = template.split('/').filter(Boolean);
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const seg = segments[i]!;
    if (part.startsWith('{')) params[part.slice(1, -1)] = seg;
    else if (part !== seg) return null;
  }
  return params;
}

export function matchRoute(method: string, pathname: string, routes: readonly Route[] = SIMULATOR_ROUTES): RouteMatch {
  let segments: string[];
  try {
    segments = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return { kind: 'not_found' };
  }
  const allowed: string[] = [];
  let template = '';
  for (const route of routes) {
    const params = matchTemplate(route.template, segments);
    if (!params) continue;
    if (route.method === method) return { kind: 'found', route, params };
    allowed.push(route.method);
    template = route.template;
  }
  return allowed.length ? { kind: 'method_not_allowed', template, allowed } : { kind: 'not_found' };
}
