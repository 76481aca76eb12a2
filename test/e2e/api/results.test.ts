import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '#cli/api-client.js';
import {
  type ApiClient,
  apiClient,
  createUser,
  credentialsFor,
  ended,
  expectError,
  status,
  waitForJob,
} from '#test/support/api-client.js';
import { startWorkflowHarness, type WorkflowHarness } from '#test/support/workflow-harness.js';

type Challenge = NonNullable<JobView['challenges']>[number];

type Transaction = { guid: string; account_guid: string; member_guid: string; date: string };
type Account = { guid: string; member_guid: string; type: string };

let h: WorkflowHarness;
let api: ApiClient;
/** A member aggregated (750 transactions), verified (one account) and identified, shared by the read-only tests. */
let user: string;
let member: string;
let path: string;

const TRANSACTIONS_PER_ACCOUNT = 250;
const UNKNOWN_MEMBER = 'MBR-00000000-0000-0000-0000-000000000000';

async function run(type: string, answer?: (challenge: Challenge) => string) {
  const started = await api.post(`${path}/${type}`, {});
  expect(started.status).toBe(202);
  if (answer) {
    const parked = await waitForJob(api, started.body.job, status('CHALLENGED'));
    const [challenge] = parked.challenges ?? [];
    if (!challenge) throw new Error(`job ${parked.guid} parked without a challenge`);
    expect(
      (
        await api.put(`${path}/jobs/${parked.guid}/challenges`, {
          challenges: [{ guid: challenge.guid, value: answer(challenge) }],
        })
      ).status,
    ).toBe(202);
  }
  const done = await waitForJob(api, started.body.job, ended);
  expect(done.status).toBe('SUCCEEDED');
  return done;
}

beforeAll(async () => {
  h = await startWorkflowHarness({ simulator: { seed: 'api-results', jobDurationMs: 150_000 } });
  h.stack.simulator?.configure({ transactionsPerAccount: TRANSACTIONS_PER_ACCOUNT });
  api = apiClient(h.stack.endpoints.api);
  user = await createUser(api);
  const created = await api.post(`/users/${user}/members`, {
    member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'password'), skip_aggregation: true },
  });
  member = created.body.member.guid;
  path = `/users/${user}/members/${member}`;
  await run('aggregate');
  await run('verify', (c) => String(c.options?.find((o) => /savings/i.test(o.label ?? ''))?.value));
  await run('identify');
});
afterAll(async () => h?.stop());

/** Every page of a list, following next_cursor until it is null. */
async function allPages<T>(listPath: string, key: string): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | null = null;
  do {
    const separator = listPath.includes('?') ? '&' : '?';
    const page = await api.get(`${listPath}${cursor ? `${separator}cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(page.status).toBe(200);
    pages.push(page.body[key]);
    cursor = page.body.pagination.next_cursor;
  } while (cursor !== null && pages.length < 50);
  return pages;
}

describe('GET …/transactions', () => {
  it('pages through all 750 transactions by 100 with next_cursor until it is null, each exactly once', async () => {
    const pages = await allPages<Transaction>(`${path}/transactions?limit=100`, 'transactions');

    const guids = pages.flat().map((t) => t.guid);
    expect(pages.length).toBeGreaterThanOrEqual(8);
    expect(pages.slice(0, 7).every((page) => page.length === 100)).toBe(true);
    expect(pages.every((page) => page.length <= 100)).toBe(true);
    expect(guids).toHaveLength(3 * TRANSACTIONS_PER_ACCOUNT);
    expect(new Set(guids).size).toBe(3 * TRANSACTIONS_PER_ACCOUNT);
    expect(pages.flat().every((t) => t.member_guid === member)).toBe(true);
  });

  it('answers 100 transactions by default, all of them with limit=1000', async () => {
    const first = await api.get(`${path}/transactions`);
    const everything = await api.get(`${path}/transactions?limit=1000`);

    expect(first.body.transactions).toHaveLength(100);
    expect(first.body.pagination.next_cursor).toEqual(expect.any(String));
    expect(everything.body.transactions).toHaveLength(750);
    expect(everything.body.pagination.next_cursor).toBeNull();
  });

  it('filters by account, across pages', async () => {
    const accounts = (await api.get(`${path}/accounts`)).body.accounts as Account[];
    const account = accounts[1]!;

    const pages = await allPages<Transaction>(
      `${path}/transactions?limit=100&account_guid=${account.guid}`,
      'transactions',
    );

    const transactions = pages.flat();
    expect(transactions).toHaveLength(TRANSACTIONS_PER_ACCOUNT);
    expect(new Set(transactions.map((t) => t.guid)).size).toBe(TRANSACTIONS_PER_ACCOUNT);
    expect(transactions.every((t) => t.account_guid === account.guid)).toBe(true);
  });

  it('filters by date, both ends inclusive', async () => {
    const all = (await api.get(`${path}/transactions?limit=1000`)).body.transactions as Transaction[];
    const dates = [...new Set(all.map((t) => t.date))].sort();
    const [from, to] = [dates[10]!, dates[20]!];
    const expected = all
      .filter((t) => t.date >= from && t.date <= to)
      .map((t) => t.guid)
      .sort();

    const pages = await allPages<Transaction>(
      `${path}/transactions?limit=100&from_date=${from}&to_date=${to}`,
      'transactions',
    );
    const onlyFrom = await api.get(`${path}/transactions?limit=1000&from_date=${dates.at(-1)}`);
    const onlyTo = await api.get(`${path}/transactions?limit=1000&to_date=${dates[0]}`);

    const found = pages.flat();
    expect(expected.length).toBeGreaterThan(0);
    expect(found.every((t) => t.date >= from && t.date <= to)).toBe(true);
    expect(found.map((t) => t.guid).sort()).toEqual(expected);
    expect(onlyFrom.body.transactions.length).toBeGreaterThan(0);
    expect(onlyFrom.body.transactions.every((t: Transaction) => t.date === dates.at(-1))).toBe(true);
    expect(onlyTo.body.transactions.length).toBeGreaterThan(0);
    expect(onlyTo.body.transactions.every((t: Transaction) => t.date === dates[0])).toBe(true);
  });

  it('combines an account and a date range', async () => {
    const all = (await api.get(`${path}/transactions?limit=1000`)).body.transactions as Transaction[];
    const account = all[0]!.account_guid;
    const dates = [...new Set(all.map((t) => t.date))].sort();
    const [from, to] = [dates[5]!, dates[40]!];

    const found = (
      await api.get(`${path}/transactions?limit=1000&account_guid=${account}&from_date=${from}&to_date=${to}`)
    ).body.transactions as Transaction[];

    expect(found.length).toBe(all.filter((t) => t.account_guid === account && t.date >= from && t.date <= to).length);
    expect(found.every((t) => t.account_guid === account && t.date >= from && t.date <= to)).toBe(true);
  });

  it('answers no transactions for a date range without any', async () => {
    const found = await api.get(`${path}/transactions?from_date=1999-01-01&to_date=1999-12-31`);

    expect(found.status).toBe(200);
    expect(found.body).toEqual({ transactions: [], pagination: { next_cursor: null } });
  });

  it.each([
    ['from_date after to_date', 'from_date=2026-03-02&to_date=2026-03-01', 'from_date'],
    ['a date that does not exist', 'from_date=2026-02-30', 'from_date'],
    ['a to_date that does not exist', 'to_date=2025-13-01', 'to_date'],
    ['a date not as YYYY-MM-DD', 'to_date=03/01/2026', 'to_date'],
    ['limit 0', 'limit=0', 'limit'],
    ['limit 1001', 'limit=1001', 'limit'],
    ['a fractional limit', 'limit=2.5', 'limit'],
    ['a malformed account guid', 'account_guid=MBR-1', 'account_guid'],
    ['an empty cursor', 'cursor=', 'cursor'],
    ['a query parameter the API does not take', 'type=DEBIT', 'type'],
  ])('refuses %s (400 INVALID_PARAMETER naming the field)', async (_, query, field) => {
    expectError(await api.get(`${path}/transactions?${query}`), 400, 'INVALID_PARAMETER', field);
  });

  it('refuses a cursor of another list (400 INVALID_CURSOR naming cursor)', async () => {
    const ofAccounts = (await api.get(`${path}/accounts?limit=1`)).body.pagination.next_cursor as string;

    expectError(
      await api.get(`${path}/transactions?cursor=${encodeURIComponent(ofAccounts)}`),
      400,
      'INVALID_CURSOR',
      'cursor',
    );
    expectError(await api.get(`${path}/transactions?cursor=not-a-cursor`), 400, 'INVALID_CURSOR', 'cursor');
  });
});

describe('GET …/accounts, …/account_numbers, …/account_owners', () => {
  it('lists the member’s 3 accounts', async () => {
    const listed = await api.get(`${path}/accounts`);

    expect(listed.status).toBe(200);
    expect(listed.body.accounts).toHaveLength(3);
    expect(listed.body.accounts.every((a: Account) => a.member_guid === member && /^ACT-/.test(a.guid))).toBe(true);
    expect(listed.body.accounts.map((a: Account) => a.type).sort()).toEqual(['CHECKING', 'CREDIT_CARD', 'SAVINGS']);
    expect(listed.body.pagination).toEqual({ next_cursor: null });
  });

  it('pages the accounts one at a time', async () => {
    const pages = await allPages<Account>(`${path}/accounts?limit=1`, 'accounts');

    const guids = pages.flat().map((a) => a.guid);
    expect(guids).toHaveLength(3);
    expect(new Set(guids).size).toBe(3);
    expect(pages.every((page) => page.length <= 1)).toBe(true);
  });

  it('lists the one verified account’s numbers (verification), for the account chosen', async () => {
    const accounts = (await api.get(`${path}/accounts`)).body.accounts as Account[];
    const savings = accounts.find((a) => a.type === 'SAVINGS');

    const listed = await api.get(`${path}/account_numbers`);

    expect(listed.status).toBe(200);
    expect(listed.body.account_numbers).toHaveLength(1);
    expect(listed.body.account_numbers[0]).toMatchObject({
      guid: expect.stringMatching(/^ACN-/),
      account_guid: savings?.guid,
      member_guid: member,
      account_number: expect.stringMatching(/^\d+$/),
      routing_number: expect.stringMatching(/^\d{9}$/),
    });
  });

  it('lists one owner per account (identification)', async () => {
    const accounts = (await api.get(`${path}/accounts`)).body.accounts as Account[];

    const listed = await api.get(`${path}/account_owners`);

    expect(listed.status).toBe(200);
    expect(listed.body.account_owners).toHaveLength(3);
    expect(listed.body.account_owners.map((o: { account_guid: string }) => o.account_guid).sort()).toEqual(
      accounts.map((a) => a.guid).sort(),
    );
    expect(listed.body.account_owners.every((o: { owner_name: string }) => o.owner_name)).toBe(true);
  });

  it('lists nothing for a member that has not run a job', async () => {
    const idle = await api.post(`/users/${user}/members`, {
      member: { institution_code: 'mxbank', credentials: await credentialsFor(api, 'options'), skip_aggregation: true },
    });
    const idlePath = `/users/${user}/members/${idle.body.member.guid}`;

    for (const kind of ['accounts', 'account_numbers', 'account_owners', 'transactions']) {
      expect(await api.get(`${idlePath}/${kind}`)).toMatchObject({
        status: 200,
        body: { [kind]: [], pagination: { next_cursor: null } },
      });
    }
  });

  it.each(['accounts', 'account_numbers', 'account_owners'])(
    'refuses the transaction filters on %s (400 INVALID_PARAMETER naming it)',
    async (kind) => {
      expectError(await api.get(`${path}/${kind}?from_date=2026-01-01`), 400, 'INVALID_PARAMETER', 'from_date');
    },
  );

  it.each(['accounts', 'account_numbers', 'account_owners', 'transactions'])(
    'answers %s of an unknown member, or of another user’s member, 404 naming member_guid',
    async (kind) => {
      const intruder = await createUser(api);

      expectError(await api.get(`/users/${user}/members/${UNKNOWN_MEMBER}/${kind}`), 404, 'NOT_FOUND', 'member_guid');
      expectError(await api.get(`/users/${intruder}/members/${member}/${kind}`), 404, 'NOT_FOUND', 'member_guid');
    },
  );
});

describe('tokenized account numbers (TANs)', () => {
  /** A verified OAuth member at this institution (the end user opens the OAuth window; checking chosen). */
  async function verifiedOAuthMember(institution: string) {
    const created = await api.post(`/users/${user}/members`, {
      member: { institution_code: institution, is_oauth: true, skip_aggregation: true },
    });
    expect(created.status).toBe(201);
    expect((await fetch(String(created.body.member.oauth_window_uri))).status).toBe(200);
    const oauthPath = `/users/${user}/members/${created.body.member.guid}`;
    const started = await api.post(`${oauthPath}/verify`, {});
    expect(started.status).toBe(202);
    const parked = await waitForJob(api, started.body.job, status('CHALLENGED'));
    const [challenge] = parked.challenges ?? [];
    const checking = challenge?.options?.find((o) => /checking/i.test(o.label ?? ''));
    if (!challenge || !checking) throw new Error(`job ${parked.guid} parked without a checking option`);
    expect(
      (
        await api.put(`${oauthPath}/jobs/${parked.guid}/challenges`, {
          challenges: [{ guid: challenge.guid, value: checking.value }],
        })
      ).status,
    ).toBe(202);
    expect((await waitForJob(api, started.body.job, ended)).status).toBe('SUCCEEDED');
    return oauthPath;
  }

  it('marks account numbers from an OAuth member at a TAN-issuing institution is_tokenized', async () => {
    const chasePath = await verifiedOAuthMember('chase_oauth_test');

    const listed = await api.get(`${chasePath}/account_numbers`);
    const accounts = (await api.get(`${chasePath}/accounts`)).body.accounts as {
      guid: string;
      account_number: string;
    }[];

    expect(listed.status).toBe(200);
    expect(listed.body.account_numbers).toHaveLength(1);
    const [tan] = listed.body.account_numbers;
    expect(tan).toMatchObject({
      is_tokenized: true,
      account_number: expect.stringMatching(/^9990\d{13}$/),
      routing_number: expect.stringMatching(/^\d{9}$/),
    });
    // The account's own number, the one to show people, is masked and is not the TAN's.
    const account = accounts.find((a) => a.guid === tan.account_guid);
    expect(account?.account_number).toMatch(/^XXXXXX\d{4}$/);
    expect(tan.account_number.endsWith(String(account?.account_number).slice(-4))).toBe(false);
  });

  it('does not mark a non-OAuth member’s numbers, nor an OAuth member’s at a bank that issues no TANs', async () => {
    const oauthPath = await verifiedOAuthMember('mx_bank_oauth');

    const ofCredentials = (await api.get(`${path}/account_numbers`)).body.account_numbers;
    const ofOAuth = (await api.get(`${oauthPath}/account_numbers`)).body.account_numbers;

    expect(ofCredentials).toEqual([
      expect.objectContaining({ is_tokenized: false, account_number: expect.stringMatching(/^\d{10}$/) }),
    ]);
    expect(ofOAuth).toEqual([
      expect.objectContaining({ is_tokenized: false, account_number: expect.stringMatching(/^\d{10}$/) }),
    ]);
  });

  it('deleting a member with stored numbers warns they stop being usable, and that Chase’s TANs are revoked', async () => {
    const chasePath = await verifiedOAuthMember('chase_oauth_test');
    const memberGuid = chasePath.split('/').at(-1);

    const deleted = await api.delete(chasePath);

    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({
      deleted: { member_guid: memberGuid, account_numbers: 1, tokenized_account_numbers: 1 },
      warnings: [
        { code: 'ACCOUNT_NUMBERS_UNUSABLE', message: expect.stringContaining('deleted with it') },
        { code: 'TOKENIZED_ACCOUNT_NUMBERS_REVOKED', message: expect.stringContaining('Chase') },
      ],
    });
    expectError(await api.get(`${chasePath}/account_numbers`), 404, 'NOT_FOUND', 'member_guid');
  });

  it('deleting a member whose numbers are real warns only that the stored ones are gone', async () => {
    const oauthPath = await verifiedOAuthMember('mx_bank_oauth');

    const deleted = await api.delete(oauthPath);

    expect(deleted.status).toBe(200);
    expect(deleted.body.deleted).toMatchObject({ account_numbers: 1, tokenized_account_numbers: 0 });
    expect(deleted.body.warnings.map((w: { code: string }) => w.code)).toEqual(['ACCOUNT_NUMBERS_UNUSABLE']);
  });
});
