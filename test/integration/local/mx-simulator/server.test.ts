import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MxSimulator, startMxSimulator } from '#local/mx-simulator/index.js';

let sim: MxSimulator;

beforeAll(async () => {
  // Jobs last 200 ms of real time: long enough that a request made right after a start still finds the job running.
  sim = await startMxSimulator({ timeScale: 0.001, jobDurationMs: 200_000, seed: 'smoke' });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.reset();
  sim.setFaults({ rate429: 0, rate500: 0, rate503: 0, dropRate: 0, latencyMs: 0 });
});

const platform = (): Record<string, string> => ({
  Authorization: `Basic ${Buffer.from(`${sim.clientId}:${sim.apiKey}`).toString('base64')}`,
  Accept: 'application/vnd.mx.api.v1+json',
  'Accept-Version': 'v20111101',
  'Content-Type': 'application/json',
});
const atrium = (): Record<string, string> => ({
  'MX-API-Key': sim.apiKey,
  'MX-Client-ID': sim.clientId,
  Accept: 'application/vnd.mx.atrium.v1+json',
  'Content-Type': 'application/json',
});

async function mx(method: string, path: string, body?: unknown, headers: Record<string, string> = platform()) {
  const res = await fetch(sim.url + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
}

async function pollStatus(
  user: string,
  member: string,
  done: (m: any) => boolean,
  headers: Record<string, string> = platform(),
) {
  for (let i = 0; i < 500; i++) {
    const { json } = await mx('GET', `/users/${user}/members/${member}/status`, undefined, headers);
    if (done(json.member)) return json.member;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error('member never reached the expected state');
}

async function mxbankCredentials(password: string, username = 'mxuser', headers = platform()) {
  const { json } = await mx('GET', '/institutions/mxbank/credentials', undefined, headers);
  return [
    { guid: json.credentials[0].guid, value: username },
    { guid: json.credentials[1].guid, value: password },
  ];
}

describe('MX simulator over HTTP', () => {
  it('rejects requests without valid credentials or Accept header, without echoing secrets', async () => {
    const noAuth = await mx('GET', '/users', undefined, { Accept: 'application/vnd.mx.api.v1+json' });
    expect(noAuth.status).toBe(401);
    const wrongKey = await mx('GET', '/users', undefined, { ...atrium(), 'MX-API-Key': 'not-the-key' });
    expect(wrongKey.status).toBe(401);
    expect(JSON.stringify(wrongKey.json)).not.toContain('not-the-key');
    const noAccept = await mx('GET', '/users', undefined, { Authorization: platform().Authorization! });
    expect(noAccept.status).toBe(406);
    expect(noAccept.json.error.message).toContain('application/vnd.mx.api.v1+json');
  });

  it('validates paging and bodies, a page size out of range falling back to 25 as at MX', async () => {
    expect((await mx('GET', '/institutions?records_per_page=101')).json.pagination.per_page).toBe(25);
    expect((await mx('GET', '/institutions?records_per_page=ten')).json.error.message).toContain('records_per_page');
    expect((await mx('GET', '/users?records_per_page=1000')).status).toBe(200);
    expect((await mx('POST', '/users')).status).toBe(400);
    const list = await mx('GET', '/institutions?name=mx%20bank&supports_account_verification=true');
    expect(list.json.institutions.map((i: any) => i.code)).toEqual(['mxbank', 'mx_bank_oauth']);
    expect(list.json.pagination).toEqual({ current_page: 1, per_page: 25, total_entries: 2, total_pages: 1 });
  });

  it('aggregates a new member to CONNECTED and serves its accounts and transactions', async () => {
    const user = (await mx('POST', '/users', { user: { id: 'smoke-1' } })).json.user.guid;
    expect((await mx('POST', '/users', { user: { id: 'smoke-1' } })).status).toBe(409);
    const created = await mx('POST', `/users/${user}/members`, {
      member: { institution_code: 'mxbank', credentials: await mxbankCredentials('password') },
    });
    expect(created.status).toBe(202);
    expect(created.json.member).toMatchObject({ connection_status: 'CREATED', is_being_aggregated: true });
    const member = created.json.member.guid;
    expect((await mx('POST', `/users/${user}/members/${member}/verify`)).status).toBe(409);
    const end = await pollStatus(user, member, (m) => !m.is_being_aggregated);
    expect(end).toMatchObject({
      connection_status: 'CONNECTED',
      has_processed_accounts: true,
      has_processed_transactions: true,
    });
    const accounts = (await mx('GET', `/users/${user}/members/${member}/accounts`)).json.accounts;
    expect(accounts.map((a: any) => a.type)).toEqual(['CHECKING', 'SAVINGS', 'CREDIT_CARD']);
    const txs = await mx('GET', `/users/${user}/accounts/${accounts[0].guid}/transactions?records_per_page=10`);
    expect(txs.json.pagination).toMatchObject({ total_entries: 50, total_pages: 5 });
    const stats = sim.stats();
    expect(stats.requests.byEndpoint['GET /users/{user_guid}/members/{member_guid}/status']!.count).toBeGreaterThan(0);
    expect(stats.jobs[0]).toMatchObject({ memberGuid: member, type: 'aggregate', endStatus: 'CONNECTED' });
    expect(stats.jobs[0]!.noticeDelayMs).toBeGreaterThanOrEqual(0);
  });

  it('runs the Atrium verification flow end to end', async () => {
    const h = atrium();
    const user = (await mx('POST', '/users', { user: { identifier: 'atrium-user' } }, h)).json.user;
    expect(user.identifier).toBe('atrium-user');
    const created = await mx(
      'POST',
      `/users/${user.guid}/members`,
      {
        member: {
          institution_code: 'mxbank',
          credentials: await mxbankCredentials('password', 'test_atrium', h),
          skip_aggregation: true,
        },
      },
      h,
    );
    expect(created.status).toBe(200);
    const member = created.json.member.guid;
    const verify = await mx('POST', `/users/${user.guid}/members/${member}/verify`, undefined, h);
    expect(verify.json.member).toMatchObject({ is_being_aggregated: true, status: 'INITIATED' });
    const challenged = await pollStatus(user.guid, member, (m) => m.connection_status === 'CHALLENGED', h);
    expect(challenged.status).toBe('CHALLENGED');
    const [challenge] = challenged.challenges;
    expect(challenge.label).toBe('Please select an account:');
    const resumed = await mx(
      'PUT',
      `/users/${user.guid}/members/${member}/resume`,
      { member: { challenges: [{ guid: challenge.guid, value: challenge.options[0].value }] } },
      h,
    );
    expect(resumed.json.member).toMatchObject({ connection_status: 'RESUMED', status: 'RECEIVED' });
    const done = await pollStatus(user.guid, member, (m) => !m.is_being_aggregated, h);
    expect(done).toMatchObject({ connection_status: 'CONNECTED', status: 'COMPLETED' });
    const numbers = (await mx('GET', `/users/${user.guid}/members/${member}/account_numbers`, undefined, h)).json
      .account_numbers;
    expect(numbers).toHaveLength(1);
    // Option values are opaque: the chosen option's label names the verified account's number.
    expect(challenge.options[0].value).not.toMatch(/^ACT-/);
    expect(numbers[0]).toMatchObject({ account_guid: expect.stringMatching(/^ACT-/), passed_validation: true });
    expect(challenge.options[0].label).toMatch(new RegExp(`XXXXXX${numbers[0].account_number.slice(-4)}$`));
    const widget = await mx('POST', `/users/${user.guid}/connect_widget_url`, { mode: 'verification' }, h);
    expect(widget.json.user.connect_widget_url).toContain(sim.url);
  });

  it('completes an OAuth member when its window is opened', async () => {
    const user = (await mx('POST', '/users', { user: { id: 'oauth-user' } })).json.user.guid;
    const created = await mx('POST', `/users/${user}/members`, {
      member: { institution_code: 'mx_bank_oauth', is_oauth: true },
    });
    expect(created.json.member).toMatchObject({ connection_status: 'PENDING', is_being_aggregated: false });
    const page = await fetch(created.json.member.oauth_window_uri);
    expect(page.status).toBe(200);
    expect((await fetch(created.json.member.oauth_window_uri)).status).toBe(400); // one-time use
    const end = await pollStatus(user, created.json.member.guid, (m) => !m.is_being_aggregated);
    expect(end.connection_status).toBe('CONNECTED');
  });

  it('injects faults through the admin endpoint and answers admin calls without auth', async () => {
    const set = await fetch(`${sim.url}/_simulator/faults`, { method: 'POST', body: JSON.stringify({ rate429: 1 }) });
    expect(((await set.json()) as any).faults.rate429).toBe(1);
    const limited = await mx('GET', '/institutions');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).not.toBeNull();
    sim.setFaults({ rate429: 0, dropRate: 1 });
    await expect(fetch(`${sim.url}/institutions`, { headers: platform() })).rejects.toThrow();
    sim.setFaults({ dropRate: 0 });
    const stats = (await (await fetch(`${sim.url}/_simulator/stats`)).json()) as any;
    expect(stats.faults).toMatchObject({ injected429: 1, dropped: 1 });
    const reset = await fetch(`${sim.url}/_simulator/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    expect(sim.stats().requests.total).toBe(0);
  });
});
