import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiErrorForMx } from '#shared/api/mx-errors.js';
import { userOperations } from '#shared/api/operations/users.js';
import { collectItems, type DateRange, type MxClient, type MxError } from '#shared/mx/index.js';
import type { ApiDeps } from '#shared/runtime/api-runtime.js';
import {
  credentialsFor,
  pollMemberUntilSettled,
  type SimulatedMx,
  startSimulatedMx,
} from '#test/support/simulated-mx.js';

// MX as production demands it: versioned Platform calls, an IP allow list, products enabled
// per client, include_transactions, MX's paging and date defaults, Atrium's widget endpoint.
const TIMING = { timeScale: 0.001, jobDurationMs: 30_000, challengeExpiryMs: 100_000_000 };

let mx: SimulatedMx;
let client: MxClient;
let users = 0;

beforeAll(async () => {
  mx = await startSimulatedMx({
    ...TIMING,
    seed: 'production-wire',
    aggregationThrottleMs: 0,
    backgroundAggregationMs: 0,
  });
  client = mx.client;
});
afterAll(async () => mx.close());
beforeEach(() => {
  mx.simulator.configure({ allowedIps: null, disabledFeatures: [], historyDays: 90, transactionsPerAccount: 50 });
});

/** Every transaction of a member, account by account, as FetchResults reads them. */
async function memberTransactions(user: string, member: string, range: DateRange = {}) {
  const accounts = await collectItems(client.listMemberAccounts(user, member));
  const perAccount = accounts.map((a) => collectItems(client.listTransactionsByAccount(user, String(a.guid), range)));
  return (await Promise.all(perAccount)).flat();
}

async function failureOf(promise: Promise<unknown>): Promise<MxError> {
  return promise.then(
    () => expect.unreachable('the call should have failed'),
    (error: unknown) => error as MxError,
  );
}

async function rawPlatform(path: string, headers: Record<string, string>) {
  const response = await fetch(mx.simulator.url + path, {
    headers: {
      Authorization: `Basic ${Buffer.from(`${mx.simulator.clientId}:${mx.simulator.apiKey}`).toString('base64')}`,
      ...headers,
    },
  });
  return {
    status: response.status,
    body: (await response.json()) as { error?: { message?: string } } & Record<string, unknown>,
  };
}

async function connectedMember(c: MxClient = client) {
  users += 1;
  const user = String((await c.createUser({ id: `prod-wire-${users}` })).guid);
  const credentials = await credentialsFor(c, 'mxbank', { username: 'mxuser', password: 'password' });
  const { member } = await c.createMember(user, { member: { institution_code: 'mxbank', credentials } });
  const status = await pollMemberUntilSettled(mx, user, String(member.guid), {}, c);
  expect(status.connection_status).toBe('CONNECTED');
  return { user, member: String(member.guid) };
}

describe('the Accept-Version header', () => {
  it('every Platform request carries Accept-Version v20111101, and the simulator serves it', async () => {
    const seen: (string | null)[] = [];
    const recording = mx.clientWith({
      fetch: (input, init) => {
        seen.push(new Headers(init?.headers).get('accept-version'));
        return fetch(input, init);
      },
    });

    await connectedMember(recording);

    expect(seen.length).toBeGreaterThan(3);
    expect(new Set(seen)).toEqual(new Set(['v20111101']));
  });

  it('the simulator refuses a Platform call without Accept-Version and names the header', async () => {
    const missing = await rawPlatform('/institutions', { Accept: 'application/vnd.mx.api.v1+json' });
    const wrong = await rawPlatform('/institutions', {
      Accept: 'application/vnd.mx.api.v1+json',
      'Accept-Version': 'v20250224',
    });

    expect(missing.status).toBe(400);
    expect(missing.body.error?.message).toContain('Accept-Version');
    expect(wrong.status).toBe(406);
    expect(wrong.body.error?.message).toContain('Accept-Version');
  });

  it('Atrium calls carry no Accept-Version and need none', async () => {
    const seen: (string | null)[] = [];
    const atrium = mx.clientWith({
      dialect: 'atrium',
      fetch: (input, init) => {
        seen.push(new Headers(init?.headers).get('accept-version'));
        return fetch(input, init);
      },
    });

    const fields = await atrium.listInstitutionCredentials('mxbank');

    expect(fields).toHaveLength(2);
    expect(seen).toEqual([null]);
  });
});

describe('MX refusing mxflow (403)', () => {
  it('an IP outside --allowed-ips gets MX_IP_NOT_ALLOWED, and the API answers 502 with the allow-list advice', async () => {
    mx.simulator.configure({ allowedIps: ['10.0.0.0/22'] });

    const error = await failureOf(client.listInstitutionCredentials('mxbank'));
    const api = apiErrorForMx(error);

    expect(error).toMatchObject({ status: 403, code: 'MX_IP_NOT_ALLOWED', retryable: false });
    expect(api).toMatchObject({ status: 502, code: 'MX_IP_NOT_ALLOWED' });
    expect(api.message).toContain('MxEgressIps');
  });

  it('serves a client whose address is on the list, an IPv4 loopback range included', async () => {
    mx.simulator.configure({ allowedIps: ['10.0.0.0/22', '127.0.0.0/8'] });

    expect(await client.listInstitutionCredentials('mxbank')).toHaveLength(2);
  });

  it('refuses an allow-list entry that is no address, changing nothing', async () => {
    const response = await fetch(`${mx.simulator.url}/_simulator/config`, {
      method: 'PUT',
      body: JSON.stringify({ allowedIps: ['10.0.0.0/99'] }),
    });
    const body = (await response.json()) as { error: { message: string } };

    expect(response.status).toBe(400);
    expect(body.error.message).toContain('allowedIps');
    expect(mx.simulator.configure({}).allowedIps).toBeNull();
  });

  it('a verify on a client without verification gets MX_FEATURE_NOT_ENABLED, set through the admin API', async () => {
    const { user, member } = await connectedMember();
    const set = await fetch(`${mx.simulator.url}/_simulator/config`, {
      method: 'PUT',
      body: JSON.stringify({ disabledFeatures: ['verify'] }),
    });

    const error = await failureOf(client.startJob('verify', user, member));
    const identify = await client.startJob('identify', user, member);
    const api = apiErrorForMx(error);

    expect(set.status).toBe(200);
    expect(error).toMatchObject({
      status: 403,
      code: 'MX_FEATURE_NOT_ENABLED',
      mxMessage: 'Account verification is not enabled for this client',
    });
    expect(identify.httpStatus).toBe(202);
    expect(api).toMatchObject({ status: 502, code: 'MX_FEATURE_NOT_ENABLED' });
    expect(api.message).toContain('account verification');
  });

  it('keeps a 401 apart from the 403s', async () => {
    const error = await failureOf(mx.clientWith({ apiKey: 'wrong' }).listInstitutionCredentials('mxbank'));

    expect(error.code).toBe('MX_UNAUTHORIZED');
    expect(apiErrorForMx(error).code).toBe('MX_ACCESS_DENIED');
  });
});

describe('include_transactions', () => {
  it('an aggregate with include_transactions=false leaves transactions unrefreshed', async () => {
    const { user, member } = await connectedMember();
    const before = await memberTransactions(user, member);

    await client.startJob('aggregate', user, member, { includeTransactions: false });
    const after = await pollMemberUntilSettled(mx, user, member);
    const transactions = await memberTransactions(user, member);

    expect(after).toMatchObject({
      connection_status: 'CONNECTED',
      has_processed_accounts: true,
      has_processed_transactions: false,
    });
    expect(transactions.map((t) => t.guid)).toEqual(before.map((t) => t.guid));
  });

  it('an aggregate without the parameter processes transactions', async () => {
    const { user, member } = await connectedMember();

    await client.startJob('aggregate', user, member);
    const after = await pollMemberUntilSettled(mx, user, member);

    expect(after).toMatchObject({ connection_status: 'CONNECTED', has_processed_transactions: true });
  });

  it('verify and identify never send include_transactions', async () => {
    const queries: string[] = [];
    const recording = mx.clientWith({
      fetch: (input, init) => {
        queries.push(new URL(String(input)).search);
        return fetch(input, init);
      },
    });
    const { user, member } = await connectedMember();

    await recording.startJob('identify', user, member, { includeTransactions: true });

    expect(queries).toEqual(['']);
  });
});

describe('paging and date defaults as MX has them', () => {
  it('records_per_page 5000 falls back to 25', async () => {
    const { user, member } = await connectedMember();

    const big = await rawPlatform(`/users/${user}/members/${member}/transactions?records_per_page=5000`, {
      Accept: 'application/vnd.mx.api.v1+json',
      'Accept-Version': 'v20111101',
    });
    const institutions = await rawPlatform('/institutions?records_per_page=101', {
      Accept: 'application/vnd.mx.api.v1+json',
      'Accept-Version': 'v20111101',
    });
    const small = await rawPlatform('/institutions?records_per_page=5', {
      Accept: 'application/vnd.mx.api.v1+json',
      'Accept-Version': 'v20111101',
    });

    expect(big.status).toBe(200);
    expect(big.body.pagination).toMatchObject({ per_page: 25, total_entries: 150 });
    expect(institutions.body.pagination).toMatchObject({ per_page: 25 });
    expect(small.body.pagination).toMatchObject({ per_page: 25 });
  });

  it('the client refuses an institution page size MX would silently replace', async () => {
    expect(await failureOf(client.listInstitutionsPage({}, 1, 5000))).toMatchObject({ code: 'MX_INVALID_REQUEST' });
  });

  it('lists transactions of the last 120 days by default, and older ones when asked', async () => {
    mx.simulator.configure({ historyDays: 200, transactionsPerAccount: 200 });
    const { user, member } = await connectedMember();
    const today = new Date(mx.simulator.stats().mxNow);
    const day = (offset: number) => new Date(today.getTime() + offset * 86_400_000).toISOString().slice(0, 10);

    const byDefault = await memberTransactions(user, member);
    const everything = await memberTransactions(user, member, { fromDate: day(-400), toDate: day(5) });

    expect(everything.some((t) => String(t.date) < day(-120))).toBe(true);
    expect(byDefault.length).toBeGreaterThan(0);
    expect(byDefault.every((t) => String(t.date) >= day(-120))).toBe(true);
    expect(byDefault.length).toBe(everything.filter((t) => String(t.date) >= day(-120)).length);
  });
});

describe('the Connect widget in the Atrium dialect', () => {
  it('the Atrium widget URL comes from connect_widget_url', async () => {
    const paths: string[] = [];
    const atrium = mx.clientWith({
      dialect: 'atrium',
      fetch: (input, init) => {
        paths.push(new URL(String(input)).pathname);
        return fetch(input, init);
      },
    });
    const user = await atrium.createUser({ id: 'atrium-widget' });
    const deps = {
      mx: async () => atrium,
      users: { getUser: async () => ({ guid: String(user.guid) }) },
    } as unknown as ApiDeps;

    const answer = await userOperations.requestWidgetUrl(deps, {
      params: { user_guid: String(user.guid) },
      body: { widget_url: { widget_type: 'connect_widget', mode: 'verification' } },
    } as never);
    const refused = await failureOf(atrium.requestWidgetUrl(String(user.guid), { widget_type: 'connect_widget' }));

    expect(answer).toMatchObject({
      status: 200,
      body: { widget_url: { type: 'connect_widget', url: expect.stringContaining(mx.simulator.url) } },
    });
    expect(paths).toContain(`/users/${String(user.guid)}/connect_widget_url`);
    expect(paths.filter((p) => p.endsWith('/widget_urls'))).toHaveLength(1);
    expect(refused).toMatchObject({ status: 404, code: 'MX_NOT_FOUND' });
  });
});
