import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView, ResultKind } from '#cli/api-client.js';
import type { paths } from '#shared/api/generated/api-paths.js';
import {
  type ApiClient,
  createUser,
  credentialsFor,
  ended,
  everyPage,
  expectError,
  expectOk,
  expectRefusal,
  status,
  waitForJob,
} from '#test/support/api-client.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

type Challenge = NonNullable<JobView['challenges']>[number];
type MemberPath = { user_guid: string; member_guid: string };
type TransactionsQuery = NonNullable<
  paths['/users/{user_guid}/members/{member_guid}/transactions']['get']['parameters']['query']
>;

// The document leaves MX's records open (MxRecord), so the fields these tests read are named here.
type Transaction = { guid: string; account_guid: string; member_guid: string; date: string };
type Account = { guid: string; member_guid: string; type: string; account_number: string };
type ResultPage = Record<string, unknown> & { pagination: { next_cursor: string | null } };
type AccountNumber = { is_tokenized: boolean; account_guid: string; account_number: string };

let h: WorkflowHarness;
let api: ApiClient;
/** A member aggregated (750 transactions), verified (one account) and identified, shared by the read-only tests. */
let user: string;
let member: string;
let shared: MemberPath;
/** The shared member's path as written, for the requests the document cannot express. */
let path: string;

const TRANSACTIONS_PER_ACCOUNT = 250;
const UNKNOWN_MEMBER = 'MBR-00000000-0000-0000-0000-000000000000';

const answer = (job: JobView, challenges: { guid: string; value: string }[]) =>
  api.typed.PUT('/users/{user_guid}/members/{member_guid}/jobs/{job_guid}/challenges', {
    params: { path: { user_guid: job.user_guid, member_guid: job.member_guid, job_guid: job.guid } },
    body: { challenges },
  });

/** A page of one kind of result; the transactions query is the widest of the four. */
const list = (kind: ResultKind, of: MemberPath, query: TransactionsQuery = {}) =>
  api.typed.GET(
    `/users/{user_guid}/members/{member_guid}/${kind}` as '/users/{user_guid}/members/{member_guid}/transactions',
    { params: { path: of, query } },
  );
const transactions = async (query: TransactionsQuery = {}) =>
  expectOk(await list('transactions', shared, query)).transactions as Transaction[];
const accounts = async (of: MemberPath = shared) =>
  expectOk(await api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', { params: { path: of } }))
    .accounts as Account[];
const accountNumbers = (of: MemberPath) =>
  api.typed.GET('/users/{user_guid}/members/{member_guid}/account_numbers', { params: { path: of } });

async function run(type: 'aggregate' | 'verify' | 'identify', pick?: (challenge: Challenge) => string) {
  const started = expectOk(
    await api.typed.POST(`/users/{user_guid}/members/{member_guid}/${type}`, { params: { path: shared }, body: {} }),
    202,
  );
  if (pick) {
    const parked = await waitForJob(api, started.job, status('CHALLENGED'));
    const [challenge] = parked.challenges ?? [];
    if (!challenge) throw new Error(`job ${parked.guid} parked without a challenge`);
    expectOk(await answer(parked, [{ guid: challenge.guid, value: pick(challenge) }]), 202);
  }
  const done = await waitForJob(api, started.job, ended);
  expect(done.status).toBe('SUCCEEDED');
  return done;
}

beforeAll(async () => {
  h = await startWorkflowHarness({
    simulator: { seed: 'api-results', jobDurationMs: 150_000 },
    environment: API_TEST_POLLING,
  });
  h.stack.simulator?.configure({ transactionsPerAccount: TRANSACTIONS_PER_ACCOUNT });
  api = h.api();
  user = await createUser(api);
  const credentials = await credentialsFor(api, 'password');
  const created = await api.typed.POST('/users/{user_guid}/members', {
    params: { path: { user_guid: user } },
    body: { member: { institution_code: 'mxbank', credentials, skip_aggregation: true } },
  });
  member = expectOk(created, 201).member.guid;
  shared = { user_guid: user, member_guid: member };
  path = `/users/${user}/members/${member}`;
  await run('aggregate');
  await run('verify', (c) => String(c.options?.find((o) => /savings/i.test(o.label ?? ''))?.value));
  await run('identify');
});
afterAll(async () => h?.stop());

/** The items of every page of a list, page by page. */
async function allPages<T>(kind: ResultKind, query: TransactionsQuery): Promise<T[][]> {
  const pages = await everyPage((next) => list(kind, shared, { ...query, ...next }));
  return pages.map((page: ResultPage) => page[kind] as T[]);
}

describe('GET …/transactions', () => {
  it('pages through all 750 transactions by 100 with next_cursor until it is null, each exactly once', async () => {
    const pages = await allPages<Transaction>('transactions', { limit: 100 });

    const guids = pages.flat().map((t) => t.guid);
    expect(pages.length).toBeGreaterThanOrEqual(8);
    expect(pages.slice(0, 7).every((page) => page.length === 100)).toBe(true);
    expect(pages.every((page) => page.length <= 100)).toBe(true);
    expect(guids).toHaveLength(3 * TRANSACTIONS_PER_ACCOUNT);
    expect(new Set(guids).size).toBe(3 * TRANSACTIONS_PER_ACCOUNT);
    expect(pages.flat().every((t) => t.member_guid === member)).toBe(true);
  });

  it('answers 100 transactions by default, all of them with limit=1000', async () => {
    const first = expectOk(await list('transactions', shared));
    const everything = expectOk(await list('transactions', shared, { limit: 1000 }));

    expect(first.transactions).toHaveLength(100);
    expect(first.pagination.next_cursor).toEqual(expect.any(String));
    expect(everything.transactions).toHaveLength(750);
    expect(everything.pagination.next_cursor).toBeNull();
  });

  it('filters by account, across pages', async () => {
    const account = (await accounts())[1]!;

    const pages = await allPages<Transaction>('transactions', { limit: 100, account_guid: account.guid });

    const found = pages.flat();
    expect(found).toHaveLength(TRANSACTIONS_PER_ACCOUNT);
    expect(new Set(found.map((t) => t.guid)).size).toBe(TRANSACTIONS_PER_ACCOUNT);
    expect(found.every((t) => t.account_guid === account.guid)).toBe(true);
  });

  it('filters by date, both ends inclusive', async () => {
    const all = await transactions({ limit: 1000 });
    const dates = [...new Set(all.map((t) => t.date))].sort();
    const [from, to] = [dates[10]!, dates[20]!];
    const expected = all
      .filter((t) => t.date >= from && t.date <= to)
      .map((t) => t.guid)
      .sort();

    const pages = await allPages<Transaction>('transactions', { limit: 100, from_date: from, to_date: to });
    const onlyFrom = await transactions({ limit: 1000, from_date: dates.at(-1)! });
    const onlyTo = await transactions({ limit: 1000, to_date: dates[0]! });

    const found = pages.flat();
    expect(expected.length).toBeGreaterThan(0);
    expect(found.every((t) => t.date >= from && t.date <= to)).toBe(true);
    expect(found.map((t) => t.guid).sort()).toEqual(expected);
    expect(onlyFrom.length).toBeGreaterThan(0);
    expect(onlyFrom.every((t) => t.date === dates.at(-1))).toBe(true);
    expect(onlyTo.length).toBeGreaterThan(0);
    expect(onlyTo.every((t) => t.date === dates[0])).toBe(true);
  });

  it('combines an account and a date range', async () => {
    const all = await transactions({ limit: 1000 });
    const account = all[0]!.account_guid;
    const dates = [...new Set(all.map((t) => t.date))].sort();
    const [from, to] = [dates[5]!, dates[40]!];

    const found = await transactions({ limit: 1000, account_guid: account, from_date: from, to_date: to });

    expect(found.length).toBe(all.filter((t) => t.account_guid === account && t.date >= from && t.date <= to).length);
    expect(found.every((t) => t.account_guid === account && t.date >= from && t.date <= to)).toBe(true);
  });

  it('answers no transactions for a date range without any', async () => {
    const found = await list('transactions', shared, { from_date: '1999-01-01', to_date: '1999-12-31' });

    expect(expectOk(found)).toEqual({
      transactions: [],
      pagination: { next_cursor: null },
      sync_cursor: expect.any(String),
    });
  });

  it.each([
    ['from_date after to_date', { from_date: '2026-03-02', to_date: '2026-03-01' }, 'from_date'],
    ['a date that does not exist', { from_date: '2026-02-30' }, 'from_date'],
    ['a to_date that does not exist', { to_date: '2025-13-01' }, 'to_date'],
  ])('refuses %s (400 INVALID_PARAMETER naming the field)', async (_, query, field) => {
    expectRefusal(await list('transactions', shared, query), 400, 'INVALID_PARAMETER', field);
  });

  it.each([
    ['a date not as YYYY-MM-DD', 'to_date=03/01/2026', 'to_date'],
    ['limit 0', 'limit=0', 'limit'],
    ['limit 1001', 'limit=1001', 'limit'],
    ['a fractional limit', 'limit=2.5', 'limit'],
    ['a malformed account guid', 'account_guid=MBR-1', 'account_guid'],
    ['an empty cursor', 'cursor=', 'cursor'],
    ['a query parameter the API does not take', 'type=DEBIT', 'type'],
  ])('refuses %s (400 INVALID_PARAMETER naming the field)', async (_, query, field) => {
    // Raw: each query breaks the document on purpose.
    expectError(await api.get(`${path}/transactions?${query}`), 400, 'INVALID_PARAMETER', field);
  });

  it('refuses a cursor of another list (400 INVALID_CURSOR naming cursor)', async () => {
    const ofAccounts = expectOk(await list('accounts', shared, { limit: 1 })).pagination.next_cursor!;

    expectRefusal(await list('transactions', shared, { cursor: ofAccounts }), 400, 'INVALID_CURSOR', 'cursor');
    expectRefusal(await list('transactions', shared, { cursor: 'not-a-cursor' }), 400, 'INVALID_CURSOR', 'cursor');
  });
});

describe('GET …/accounts, …/account_numbers, …/account_owners', () => {
  it('lists the member’s 3 accounts', async () => {
    const listed = expectOk(
      await api.typed.GET('/users/{user_guid}/members/{member_guid}/accounts', { params: { path: shared } }),
    );

    const listedAccounts = listed.accounts as Account[];
    expect(listedAccounts).toHaveLength(3);
    expect(listedAccounts.every((a) => a.member_guid === member && /^ACT-/.test(a.guid))).toBe(true);
    expect(listedAccounts.map((a) => a.type).sort()).toEqual(['CHECKING', 'CREDIT_CARD', 'SAVINGS']);
    expect(listed.pagination).toEqual({ next_cursor: null });
  });

  it('pages the accounts one at a time', async () => {
    const pages = await allPages<Account>('accounts', { limit: 1 });

    const guids = pages.flat().map((a) => a.guid);
    expect(guids).toHaveLength(3);
    expect(new Set(guids).size).toBe(3);
    expect(pages.every((page) => page.length <= 1)).toBe(true);
  });

  it('lists the one verified account’s numbers (verification), for the account chosen', async () => {
    const savings = (await accounts()).find((a) => a.type === 'SAVINGS');

    const listed = expectOk(await accountNumbers(shared));

    expect(listed.account_numbers).toHaveLength(1);
    expect(listed.account_numbers[0]).toMatchObject({
      guid: expect.stringMatching(/^ACN-/),
      account_guid: savings?.guid,
      member_guid: member,
      account_number: expect.stringMatching(/^\d+$/),
      routing_number: expect.stringMatching(/^\d{9}$/),
    });
  });

  it('lists one owner per account (identification)', async () => {
    const owned = await accounts();

    const listed = expectOk(
      await api.typed.GET('/users/{user_guid}/members/{member_guid}/account_owners', { params: { path: shared } }),
    );

    const owners = listed.account_owners as { account_guid: string; owner_name: string }[];
    expect(owners).toHaveLength(3);
    expect(owners.map((o) => o.account_guid).sort()).toEqual(owned.map((a) => a.guid).sort());
    expect(owners.every((o) => o.owner_name)).toBe(true);
  });

  it('lists nothing for a member that has not run a job', async () => {
    const credentials = await credentialsFor(api, 'options');
    const idle = await api.typed.POST('/users/{user_guid}/members', {
      params: { path: { user_guid: user } },
      body: { member: { institution_code: 'mxbank', credentials, skip_aggregation: true } },
    });
    const idleMember = { user_guid: user, member_guid: expectOk(idle, 201).member.guid };

    for (const kind of ['accounts', 'account_numbers', 'account_owners'] as const) {
      expect(expectOk(await list(kind, idleMember))).toEqual({ [kind]: [], pagination: { next_cursor: null } });
    }
    // Nothing copied yet: no position in the change feed either.
    expect(expectOk(await list('transactions', idleMember))).toEqual({
      transactions: [],
      pagination: { next_cursor: null },
      sync_cursor: null,
    });
  });

  it.each(['accounts', 'account_numbers', 'account_owners'])(
    'refuses the transaction filters on %s (400 INVALID_PARAMETER naming it)',
    async (kind) => {
      // Raw: the document gives the date filters to transactions only.
      expectError(await api.get(`${path}/${kind}?from_date=2026-01-01`), 400, 'INVALID_PARAMETER', 'from_date');
    },
  );

  it.each(['accounts', 'account_numbers', 'account_owners', 'transactions'] as const)(
    'answers %s of an unknown member, or of another user’s member, 404 naming member_guid',
    async (kind) => {
      const intruder = await createUser(api);

      const unknown = { user_guid: user, member_guid: UNKNOWN_MEMBER };
      const anotherUsers = { user_guid: intruder, member_guid: member };

      expectRefusal(await list(kind, unknown), 404, 'NOT_FOUND', 'member_guid');
      expectRefusal(await list(kind, anotherUsers), 404, 'NOT_FOUND', 'member_guid');
    },
  );
});

describe('tokenized account numbers (TANs)', () => {
  /** A verified OAuth member at this institution (the end user opens the OAuth window; checking chosen). */
  async function verifiedOAuthMember(institution: string): Promise<MemberPath> {
    const created = expectOk(
      await api.typed.POST('/users/{user_guid}/members', {
        params: { path: { user_guid: user } },
        body: { member: { institution_code: institution, is_oauth: true, skip_aggregation: true } },
      }),
      201,
    );
    expect((await fetch(String(created.member.oauth_window_uri))).status).toBe(200);
    const oauthMember = { user_guid: user, member_guid: created.member.guid };
    const started = expectOk(
      await api.typed.POST('/users/{user_guid}/members/{member_guid}/verify', {
        params: { path: oauthMember },
        body: {},
      }),
      202,
    );
    const parked = await waitForJob(api, started.job, status('CHALLENGED'));
    const [challenge] = parked.challenges ?? [];
    const checking = challenge?.options?.find((o) => /checking/i.test(o.label ?? ''));
    if (!challenge || !checking) throw new Error(`job ${parked.guid} parked without a checking option`);
    expectOk(await answer(parked, [{ guid: challenge.guid, value: String(checking.value) }]), 202);
    expect((await waitForJob(api, started.job, ended)).status).toBe('SUCCEEDED');
    return oauthMember;
  }

  it('marks account numbers from an OAuth member at a TAN-issuing institution is_tokenized', async () => {
    const chase = await verifiedOAuthMember('chase_oauth_test');

    const listed = expectOk(await accountNumbers(chase));
    const chaseAccounts = await accounts(chase);

    expect(listed.account_numbers).toHaveLength(1);
    const [tan] = listed.account_numbers as AccountNumber[];
    expect(tan).toMatchObject({
      is_tokenized: true,
      account_number: expect.stringMatching(/^9990\d{13}$/),
      routing_number: expect.stringMatching(/^\d{9}$/),
    });
    // The account's own number, the one to show people, is masked and is not the TAN's.
    const account = chaseAccounts.find((a) => a.guid === tan?.account_guid);
    expect(account?.account_number).toMatch(/^XXXXXX\d{4}$/);
    expect(tan?.account_number.endsWith(String(account?.account_number).slice(-4))).toBe(false);
  });

  it('does not mark a non-OAuth member’s numbers, nor an OAuth member’s at a bank that issues no TANs', async () => {
    const oauthMember = await verifiedOAuthMember('mx_bank_oauth');

    const ofCredentials = expectOk(await accountNumbers(shared)).account_numbers;
    const ofOAuth = expectOk(await accountNumbers(oauthMember)).account_numbers;

    expect(ofCredentials).toEqual([
      expect.objectContaining({ is_tokenized: false, account_number: expect.stringMatching(/^\d{10}$/) }),
    ]);
    expect(ofOAuth).toEqual([
      expect.objectContaining({ is_tokenized: false, account_number: expect.stringMatching(/^\d{10}$/) }),
    ]);
  });

  it('deleting a member with stored numbers warns they stop being usable, and that Chase’s TANs are revoked', async () => {
    const chase = await verifiedOAuthMember('chase_oauth_test');

    const deleted = await api.typed.DELETE('/users/{user_guid}/members/{member_guid}', { params: { path: chase } });

    expect(expectOk(deleted, 202)).toMatchObject({
      deletion: { scope: 'member', member_guids: [chase.member_guid], status: 'RUNNING' },
      deleted: { member_guid: chase.member_guid, account_numbers: 1, tokenized_account_numbers: 1 },
      warnings: [
        { code: 'ACCOUNT_NUMBERS_UNUSABLE', message: expect.stringContaining('deleted with it') },
        { code: 'TOKENIZED_ACCOUNT_NUMBERS_REVOKED', message: expect.stringContaining('Chase') },
      ],
    });
  });

  it('deleting a member whose numbers are real warns only that the stored ones are gone', async () => {
    const oauthMember = await verifiedOAuthMember('mx_bank_oauth');

    const deleted = expectOk(
      await api.typed.DELETE('/users/{user_guid}/members/{member_guid}', { params: { path: oauthMember } }),
      202,
    );

    expect(deleted.deleted).toMatchObject({ account_numbers: 1, tokenized_account_numbers: 0 });
    expect(deleted.warnings.map((w) => w.code)).toEqual(['ACCOUNT_NUMBERS_UNUSABLE']);
  });
});
