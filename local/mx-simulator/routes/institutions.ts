// Institution search (partial, case-insensitive name; supports_* filters), read, credentials.
import { notFound } from '#local/mx-simulator/errors.js';
import type { ApiResult, RequestContext, Route } from '#local/mx-simulator/http-types.js';
import {
  findInstitution,
  INSTITUTIONS,
  type Institution,
  institutionCredentials,
  institutionView,
} from '#local/mx-simulator/institutions.js';
import { pageRequest, paginate } from '#local/mx-simulator/pagination.js';
import { queryBoolean } from '#local/mx-simulator/request-input.js';

const FILTERS: Array<[string, (i: Institution) => boolean]> = [
  ['supports_account_identification', (i) => i.supportsAccountIdentification],
  ['supports_account_statement', (i) => i.supportsAccountStatement],
  ['supports_account_verification', (i) => i.supportsAccountVerification],
  ['supports_transaction_history', (i) => i.supportsTransactionHistory],
];

function listInstitutions(ctx: RequestContext): ApiResult {
  const p = pageRequest(ctx.query, 100);
  const name = (ctx.query.get('name') ?? '').trim().toLowerCase();
  // A supports_* filter set to true keeps only supporting institutions; false does not filter.
  const active = FILTERS.filter(([key]) => queryBoolean(ctx.query, key) === true);
  const matches = INSTITUTIONS.filter((i) => i.name.toLowerCase().includes(name)).filter((i) =>
    active.every(([, supports]) => supports(i)),
  );
  const { items, pagination } = paginate(matches, p);
  return { status: 200, body: { institutions: items.map(institutionView), pagination } };
}

export function institutionOr404(code: string): Institution {
  const inst = findInstitution(code);
  if (!inst) throw notFound(`institution ${code} not found`);
  return inst;
}

function readInstitution(ctx: RequestContext): ApiResult {
  return { status: 200, body: { institution: institutionView(institutionOr404(ctx.params.institution_code!)) } };
}

function listCredentials(ctx: RequestContext): ApiResult {
  const p = pageRequest(ctx.query, 1000);
  const creds = institutionCredentials(ctx.store.config.seed, institutionOr404(ctx.params.institution_code!));
  const { items, pagination } = paginate(
    creds.map((c) => c.view),
    p,
  );
  return { status: 200, body: { credentials: items, pagination } };
}

export const institutionRoutes: Route[] = [
  { method: 'GET', template: '/institutions', handler: listInstitutions },
  { method: 'GET', template: '/institutions/{institution_code}', handler: readInstitution },
  { method: 'GET', template: '/institutions/{institution_code}/credentials', handler: listCredentials },
];
