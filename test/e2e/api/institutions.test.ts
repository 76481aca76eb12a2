import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTITUTIONS } from '#local/mx-simulator/index.js';
import type { paths } from '#shared/api/generated/api-paths.js';
import { type ApiClient, expectError, expectOk, expectRefusal } from '#test/support/api-client.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

let h: WorkflowHarness;
let api: ApiClient;

beforeAll(async () => {
  // MX failures are logged as errors by design; these tests cause them on purpose.
  h = await startWorkflowHarness({
    simulator: { seed: 'api-institutions', jobDurationMs: 150_000 },
    environment: { POWERTOOLS_LOG_LEVEL: 'SILENT', ...API_TEST_POLLING },
  });
  api = h.api();
});
afterAll(async () => h?.stop());

const NO_FAULTS = { rate429: 0, rate500: 0, rate503: 0, dropRate: 0 };
const mxSearches = () => h.mxRequests('GET /institutions');
type Institution = {
  code: string;
  name: string;
  supports_account_verification: boolean;
  supports_account_identification: boolean;
  supports_transaction_history: boolean;
};

type SearchQuery = NonNullable<paths['/institutions']['get']['parameters']['query']>;

/** `GET /institutions` with this query; the document leaves an MX institution open, so its fields are named here. */
async function search(query: SearchQuery) {
  const found = expectOk(await api.typed.GET('/institutions', { params: { query } }));
  return { institutions: found.institutions as Institution[], pagination: found.pagination };
}

const credentialFields = (institution_code: string) =>
  api.typed.GET('/institutions/{institution_code}/credentials', { params: { path: { institution_code } } });

describe('GET /institutions', () => {
  it('searches MX’s institutions by name, case-insensitively', async () => {
    const found = await search({ name: 'bank' });

    const names = found.institutions.map((i) => i.name);
    expect(names.length).toBeGreaterThan(1);
    expect(names.every((name) => name.toLowerCase().includes('bank'))).toBe(true);
    expect(names).toContain('MX Bank');
    expect(found.pagination).toEqual({
      current_page: 1,
      per_page: 25,
      total_entries: names.length,
      total_pages: 1,
    });
  });

  it('keeps only institutions that support account verification when asked', async () => {
    const found = await search({ supports_account_verification: 'true', records_per_page: 100 });

    const codes = found.institutions.map((i) => i.code);
    expect(found.institutions.every((i) => i.supports_account_verification)).toBe(true);
    expect(codes).toContain('mxbank');
    expect(codes).not.toContain('beehive_savings');
    expect(codes.sort()).toEqual(
      INSTITUTIONS.filter((i) => i.supportsAccountVerification)
        .map((i) => i.code)
        .sort(),
    );
  });

  it('combines filters with a name', async () => {
    const { institutions } = await search({
      name: 'mx',
      supports_account_identification: 'true',
      supports_transaction_history: 'true',
    });

    expect(institutions.length).toBeGreaterThan(0);
    expect(
      institutions.every(
        (i) =>
          i.name.toLowerCase().includes('mx') && i.supports_account_identification && i.supports_transaction_history,
      ),
    ).toBe(true);
  });

  it('does not filter on a supports flag set to false', async () => {
    const all = await search({ records_per_page: 100 });
    const notFiltered = await search({ supports_account_verification: 'false', records_per_page: 100 });

    expect(notFiltered.institutions).toEqual(all.institutions);
  });

  it('pages as MX pages: page and records_per_page', async () => {
    const first = await search({ records_per_page: 10 });
    const second = await search({ records_per_page: 10, page: 2 });
    const beyond = await search({ records_per_page: 10, page: 3 });

    const total = INSTITUTIONS.length;
    expect(first.pagination).toEqual({
      current_page: 1,
      per_page: 10,
      total_entries: total,
      total_pages: Math.ceil(total / 10),
    });
    expect(first.institutions).toHaveLength(10);
    expect(second.pagination).toMatchObject({ current_page: 2, per_page: 10 });
    expect(second.institutions).toHaveLength(total - 10);
    expect(beyond.institutions).toEqual([]);
    const codes = [...first.institutions, ...second.institutions].map((i) => i.code);
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

    // Raw: each query breaks the document on purpose.
    const refused = await api.get(`/institutions?${query}`);

    expectError(refused, 400, 'INVALID_PARAMETER', field);
    expect(mxSearches()).toBe(searchesBefore);
  });
});

describe('GET /institutions/{institution_code}/credentials', () => {
  it('lists the username and password fields of MX Bank', async () => {
    const { credentials } = expectOk(await credentialFields('mxbank'));

    expect(credentials).toHaveLength(2);
    expect(credentials.map((c) => c.field_name).sort()).toEqual(['LOGIN', 'PASSWORD']);
    expect(credentials.every((c) => /^CRD-/.test(String(c.guid)))).toBe(true);
  });

  it('lists an OPTIONS credential with the options it offers', async () => {
    const { credentials } = expectOk(await credentialFields('pinecrest_bank'));

    expect(credentials[2]).toMatchObject({
      label: 'Account type',
      field_type: 'OPTIONS',
      options: [
        { label: 'Personal', value: 'personal' },
        { label: 'Business', value: 'business' },
      ],
    });
  });

  it('answers 404 naming institution_code for an institution MX does not know (MX’s own 404)', async () => {
    expectRefusal(await credentialFields('no_such_bank'), 404, 'NOT_FOUND', 'institution_code');
  });

  it('refuses a malformed institution code (400 INVALID_PARAMETER naming institution_code)', async () => {
    // Raw: the path as written (already percent-encoded) is what is refused.
    expectError(await api.get('/institutions/mx%20bank!/credentials'), 400, 'INVALID_PARAMETER', 'institution_code');
  });
});

describe('when MX fails', () => {
  it.each([
    ['503', 502, 'MX_UNAVAILABLE', { rate503: 1 }],
    ['500', 502, 'MX_UNAVAILABLE', { rate500: 1 }],
    ['a dropped connection', 502, 'MX_UNAVAILABLE', { dropRate: 1 }],
    ['429', 503, 'MX_RATE_LIMITED', { rate429: 1 }],
  ] as const)('answers MX’s %s as %i %s, never 500', async (_, status, code, faults) => {
    h.stack.simulator?.setFaults(faults);
    try {
      const refused = await api.typed.GET('/institutions', { params: { query: { name: 'bank' } } });

      expectRefusal(refused, status, code);
      if (code === 'MX_RATE_LIMITED')
        expect(Number(refused.response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      h.stack.simulator?.setFaults(NO_FAULTS);
    }
  });

  it('asks MX once for a credential list that fails, leaving retries to the caller so the request stays inside its time limit', async () => {
    const endpoint = 'GET /institutions/{institution_code}/credentials';
    const before = h.mxRequests(endpoint);
    h.stack.simulator?.setFaults({ rate503: 1 });
    try {
      expectRefusal(await credentialFields('mxbank'), 502, 'MX_UNAVAILABLE');
      expect(h.mxRequests(endpoint) - before).toBe(1);
    } finally {
      h.stack.simulator?.setFaults(NO_FAULTS);
    }
  });

  it('answers again once MX recovers', async () => {
    const found = await search({ name: 'bank' });

    expect(found.institutions.length).toBeGreaterThan(0);
  });
});
