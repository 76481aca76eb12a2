import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTITUTIONS } from '#local/mx-simulator/index.js';
import { type ApiClient, apiClient, expectError } from '#test/support/api-client.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  // MX failures are logged as errors by design; these tests cause them on purpose.
  h = await startWorkflowHarness({
    simulator: { seed: 'api-institutions', jobDurationMs: 150_000 },
    environment: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
  });
  api = apiClient(h.stack.endpoints.api);
});
afterAll(async () => h?.stop());

const NO_FAULTS = { rate429: 0, rate500: 0, rate503: 0, dropRate: 0 };
const mxSearches = () => h.stack.simulator?.stats().requests.byEndpoint['GET /institutions']?.count ?? 0;
type Institution = {
  code: string;
  name: string;
  supports_account_verification: boolean;
  supports_account_identification: boolean;
  supports_transaction_history: boolean;
};

describe('GET /institutions', () => {
  it('searches MX’s institutions by name, case-insensitively', async () => {
    const found = await api.get('/institutions?name=bank');

    const names = (found.body.institutions as Institution[]).map((i) => i.name);
    expect(found.status).toBe(200);
    expect(names.length).toBeGreaterThan(1);
    expect(names.every((name) => name.toLowerCase().includes('bank'))).toBe(true);
    expect(names).toContain('MX Bank');
    expect(found.body.pagination).toEqual({
      current_page: 1,
      per_page: 25,
      total_entries: names.length,
      total_pages: 1,
    });
  });

  it('keeps only institutions that support account verification when asked', async () => {
    const found = await api.get('/institutions?supports_account_verification=true&records_per_page=100');

    const codes = (found.body.institutions as Institution[]).map((i) => i.code);
    expect(found.status).toBe(200);
    expect((found.body.institutions as Institution[]).every((i) => i.supports_account_verification)).toBe(true);
    expect(codes).toContain('mxbank');
    expect(codes).not.toContain('beehive_savings');
    expect(codes.sort()).toEqual(
      INSTITUTIONS.filter((i) => i.supportsAccountVerification)
        .map((i) => i.code)
        .sort(),
    );
  });

  it('combines filters with a name', async () => {
    const found = await api.get(
      '/institutions?name=mx&supports_account_identification=true&supports_transaction_history=true',
    );

    const institutions = found.body.institutions as Institution[];
    expect(found.status).toBe(200);
    expect(institutions.length).toBeGreaterThan(0);
    expect(
      institutions.every(
        (i) =>
          i.name.toLowerCase().includes('mx') && i.supports_account_identification && i.supports_transaction_history,
      ),
    ).toBe(true);
  });

  it('does not filter on a supports flag set to false', async () => {
    const all = await api.get('/institutions?records_per_page=100');
    const notFiltered = await api.get('/institutions?supports_account_verification=false&records_per_page=100');

    expect(notFiltered.status).toBe(200);
    expect(notFiltered.body.institutions).toEqual(all.body.institutions);
  });

  it('pages as MX pages: page and records_per_page', async () => {
    const first = await api.get('/institutions?records_per_page=10');
    const second = await api.get('/institutions?records_per_page=10&page=2');
    const beyond = await api.get('/institutions?records_per_page=10&page=3');

    const total = INSTITUTIONS.length;
    expect(first.body.pagination).toEqual({
      current_page: 1,
      per_page: 10,
      total_entries: total,
      total_pages: Math.ceil(total / 10),
    });
    expect(first.body.institutions).toHaveLength(10);
    expect(second.body.pagination).toMatchObject({ current_page: 2, per_page: 10 });
    expect(second.body.institutions).toHaveLength(total - 10);
    expect(beyond.status).toBe(200);
    expect(beyond.body.institutions).toEqual([]);
    const codes = [...first.body.institutions, ...second.body.institutions].map((i: Institution) => i.code);
    expect(new Set(codes).size).toBe(total);
  });

  it.each([
    ['records_per_page below 10', 'records_per_page=9', 'records_per_page'],
    ['records_per_page above 100', 'records_per_page=101', 'records_per_page'],
    ['records_per_page that is not a number', 'records_per_page=many', 'records_per_page'],
    ['a fractional page', 'page=1.5', 'page'],
    ['page 0', 'page=0', 'page'],
    ['a supports flag that is not true or false', 'supports_account_verification=yes', 'supports_account_verification'],
    ['an empty name', 'name=', 'name'],
    ['a query parameter the API does not take', 'supports_account_statement=true', 'supports_account_statement'],
    ['a misspelt query parameter', 'recordsPerPage=10', 'recordsPerPage'],
  ])('refuses %s (400 INVALID_PARAMETER naming it) without asking MX', async (_, query, field) => {
    const searchesBefore = mxSearches();

    const refused = await api.get(`/institutions?${query}`);

    expectError(refused, 400, 'INVALID_PARAMETER', field);
    expect(mxSearches()).toBe(searchesBefore);
  });
});

describe('GET /institutions/{institution_code}/credentials', () => {
  it('lists the username and password fields of MX Bank', async () => {
    const fields = await api.get('/institutions/mxbank/credentials');

    expect(fields.status).toBe(200);
    expect(fields.body.credentials).toHaveLength(2);
    expect(fields.body.credentials.map((c: { field_name: string }) => c.field_name).sort()).toEqual([
      'LOGIN',
      'PASSWORD',
    ]);
    expect(fields.body.credentials.every((c: { guid: string }) => /^CRD-/.test(c.guid))).toBe(true);
  });

  it('lists an OPTIONS credential with the options it offers', async () => {
    const fields = await api.get('/institutions/pinecrest_bank/credentials');

    expect(fields.status).toBe(200);
    expect(fields.body.credentials[2]).toMatchObject({
      label: 'Account type',
      field_type: 'OPTIONS',
      options: [
        { label: 'Personal', value: 'personal' },
        { label: 'Business', value: 'business' },
      ],
    });
  });

  it('answers 404 for an institution MX does not know (MX’s own 404)', async () => {
    const refused = await api.get('/institutions/no_such_bank/credentials');

    expectError(refused, 404, 'NOT_FOUND');
  });

  it('refuses a malformed institution code (400 INVALID_PARAMETER naming institution_code)', async () => {
    expectError(await api.get('/institutions/mx%20bank!/credentials'), 400, 'INVALID_PARAMETER', 'institution_code');
  });
});

describe('when MX fails', () => {
  it.each([
    ['503', 502, 'MX_UNAVAILABLE', { rate503: 1 }],
    ['500', 502, 'MX_UNAVAILABLE', { rate500: 1 }],
    ['a dropped connection', 502, 'MX_UNAVAILABLE', { dropRate: 1 }],
    ['429', 503, 'MX_RATE_LIMITED', { rate429: 1 }],
  ])('answers MX’s %s as %i %s, never 500', async (_, status, code, faults) => {
    h.stack.simulator?.setFaults(faults);
    try {
      const refused = await api.get('/institutions?name=bank');

      expectError(refused, status, code);
      if (code === 'MX_RATE_LIMITED') expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      h.stack.simulator?.setFaults(NO_FAULTS);
    }
  });

  it('asks MX once for a credential list that fails, leaving retries to the caller so the request stays inside its time limit', async () => {
    const endpoint = 'GET /institutions/{institution_code}/credentials';
    const before = h.stack.simulator?.stats().requests.byEndpoint[endpoint]?.count ?? 0;
    h.stack.simulator?.setFaults({ rate503: 1 });
    try {
      const refused = await api.get('/institutions/mxbank/credentials');

      expectError(refused, 502, 'MX_UNAVAILABLE');
      expect((h.stack.simulator?.stats().requests.byEndpoint[endpoint]?.count ?? 0) - before).toBe(1);
    } finally {
      h.stack.simulator?.setFaults(NO_FAULTS);
    }
  });

  it('answers again once MX recovers', async () => {
    expect((await api.get('/institutions?name=bank')).status).toBe(200);
  });
});
