import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listen } from '#local/http-server.js';
import { startMxSimulator } from '#local/mx-simulator/index.js';
import { credentialsFor, type SimulatedMx, startSimulatedMx } from '#test/support/simulated-mx.js';

const HOOK_USER = 'mx-hooks';
const HOOK_PASSWORD = 's3cret-hook';

interface Attempt {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown> & { type: string; action: string };
}

/** A webhook receiver on 127.0.0.1 that records every attempt and can answer 500 to the next N. */
async function startReceiver() {
  const attempts: Attempt[] = [];
  let failing = 0;
  let alwaysFail = false;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const fail = alwaysFail || failing > 0;
      if (failing > 0) failing--;
      const status = fail ? 500 : 204;
      attempts.push({ status, headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(status).end();
    });
  });
  const listening = await listen(server);
  return {
    url: `${listening.url}/mx/webhooks`,
    attempts,
    /** Bodies answered 2xx, in arrival order. */
    delivered: () => attempts.filter((a) => a.status < 300).map((a) => a.body),
    failNext(n: number) {
      failing = n;
    },
    failAlways(on: boolean) {
      alwaysFail = on;
    },
    clear() {
      attempts.length = 0;
      failing = 0;
      alwaysFail = false;
    },
    stop: () => listening.stop(),
  };
}

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

let mx: SimulatedMx;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  // Jobs last 30 s of MX time (30 ms real); a retry's first wait (1 MX minute) is 60 ms real.
  mx = await startSimulatedMx({
    timeScale: 0.001,
    jobDurationMs: 30_000,
    // A challenge waits as long as a loaded machine needs to answer it.
    challengeExpiryMs: 100_000_000,
    seed: 'webhooks',
    backgroundAggregationMs: 0,
    aggregationThrottleMs: 0,
  });
});
afterAll(async () => {
  await mx?.close();
  await receiver?.stop();
});
beforeEach(() => {
  mx.simulator.reset();
  mx.simulator.configure({
    backgroundAggregationMs: 0,
    webhooks: { url: receiver.url, username: HOOK_USER, password: HOOK_PASSWORD },
    webhookFaults: { delayMs: 0, duplicateRate: 0, reorderRate: 0, dropRate: 0 },
  });
  receiver.clear();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (real time, generously for a loaded machine) until `find` finds something among the deliveries. */
async function eventually<T>(what: string, find: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > until) {
      const seen = receiver.attempts.map((a) => `${a.status} ${a.body.type} ${a.body.action}`).join('; ');
      throw new Error(`no ${what} within ${timeoutMs} ms; the receiver saw: ${seen || 'nothing'}`);
    }
    await sleep(10);
  }
}

/** The receiver records a delivery before its answer reaches the simulator: wait for the count to catch up. */
async function countedDelivered(n: number) {
  await eventually(`${n} deliveries counted`, () => (mx.simulator.stats().webhooks.delivered === n ? true : undefined));
  return mx.simulator.stats().webhooks;
}

const forMember = (guid: string) => (body: Attempt['body']) =>
  body.member_guid === guid || (body.member as { guid?: string } | undefined)?.guid === guid;

function deliveredFor(guid: string) {
  return receiver.delivered().filter(forMember(guid));
}

function webhookOf(guid: string, type: string, match: Record<string, unknown> = {}) {
  const matches = (b: Attempt['body']) => b.type === type && Object.entries(match).every(([k, v]) => b[k] === v);
  return () => deliveredFor(guid).find(matches);
}

async function newUser(): Promise<string> {
  return String((await mx.client.createUser({ id: `hooks-${crypto.randomUUID()}` })).guid);
}

/** A member of `user` at mxbank with the test login `password`; idle unless `aggregate`. */
async function newMember(user: string, password: string, options: { aggregate?: boolean; callback?: string } = {}) {
  const credentials = await credentialsFor(mx.client, 'mxbank', { username: 'mxuser', password });
  const { member } = await mx.client.createMember(
    user,
    { member: { institution_code: 'mxbank', credentials, skip_aggregation: !options.aggregate } },
    options.callback === undefined ? {} : { callbackPayload: options.callback },
  );
  return String(member.guid);
}

/** MX API call the typed client cannot make (an over-long X-CALLBACK-PAYLOAD). */
function rawCall(method: string, path: string, headers: Record<string, string> = {}) {
  const { url, clientId, apiKey } = mx.simulator;
  return fetch(`${url}${path}`, {
    method,
    headers: {
      Authorization: `Basic ${Buffer.from(`${clientId}:${apiKey}`).toString('base64')}`,
      Accept: 'application/vnd.mx.api.v1+json',
      'Accept-Version': 'v20111101',
      ...headers,
    },
  });
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('the webhooks MX sends as members connect', () => {
  it('sends CONNECTION_STATUS CHALLENGED at the account selection, then VERIFICATION with the payload', async () => {
    const user = await newUser();
    const member = await newMember(user, 'password');

    await mx.client.startJob('verify', user, member, { callbackPayload: 'verify-job-42' });
    const challenged = await eventually('CHALLENGED', webhookOf(member, 'CONNECTION_STATUS'));
    const [selection] = await mx.client.listMemberChallenges(user, member);
    await mx.client.resumeMember(user, member, [
      { guid: String(selection?.guid), value: String(selection?.options?.[0]?.value) },
    ]);
    const verified = await eventually('VERIFICATION', webhookOf(member, 'VERIFICATION'));

    expect(challenged).toEqual({
      type: 'CONNECTION_STATUS',
      action: 'CHANGED',
      connection_status: 'CHALLENGED',
      connection_status_id: 3,
      connection_status_message: expect.any(String),
      member_guid: member,
      user_guid: user,
    });
    expect(verified).toMatchObject({
      action: 'member_data_updated',
      user_guid: user,
      is_background: false,
      transactions_created_count: 0,
      transactions_updated_count: 0,
      callback_payload: base64('verify-job-42'),
    });
    expect(String(verified.completed_at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(verified.completed_on).toBe(String(verified.completed_at).slice(0, 10));
    const order = deliveredFor(member).map((b) => `${b.type}:${b.connection_status ?? b.action}`);
    expect(order).toEqual(['MEMBER:CREATED', 'CONNECTION_STATUS:CHALLENGED', 'VERIFICATION:member_data_updated']);
  });

  it('sends CONNECTION_STATUS DENIED and no member_data_updated when the password is refused', async () => {
    const user = await newUser();
    const member = await newMember(user, 'denied');

    await mx.client.startJob('aggregate', user, member);
    const denied = await eventually('DENIED', webhookOf(member, 'CONNECTION_STATUS'));
    // Deliveries go out in order: once this later one is in, a member_data_updated would be too.
    await mx.client.updateMember(user, member, { metadata: 'after' });
    await eventually('MEMBER UPDATED', webhookOf(member, 'MEMBER', { action: 'UPDATED' }));

    expect(denied).toMatchObject({ connection_status: 'DENIED', connection_status_id: 2 });
    expect(deliveredFor(member).filter((b) => b.action === 'member_data_updated')).toEqual([]);
    expect(deliveredFor(member).filter((b) => b.type === 'CONNECTION_STATUS')).toHaveLength(1);
  });

  it('sends MEMBER CREATED, then AGGREGATION member_data_updated, with the callback payload', async () => {
    const user = await newUser();

    const member = await newMember(user, 'password', { aggregate: true, callback: 'create-7' });
    const aggregated = await eventually('AGGREGATION', webhookOf(member, 'AGGREGATION'));

    const created = deliveredFor(member)[0];
    expect(created).toMatchObject({
      type: 'MEMBER',
      action: 'CREATED',
      member: { guid: member, user_guid: user, institution_code: 'mxbank', is_being_aggregated: true },
      callback_payload: base64('create-7'),
    });
    // The default login has 3 accounts of 50 transactions each.
    expect(aggregated).toMatchObject({
      is_background: false,
      transactions_created_count: 150,
      callback_payload: base64('create-7'),
    });
    expect(JSON.stringify(created)).not.toContain('password');
  });

  it('sends AGGREGATION member_data_updated with is_background true when MX aggregates by itself', async () => {
    mx.simulator.configure({ backgroundAggregationMs: 60_000 });
    const user = await newUser();

    const member = await newMember(user, 'password');
    const background = await eventually('background AGGREGATION', webhookOf(member, 'AGGREGATION'));

    expect(background).toMatchObject({ is_background: true, user_guid: user });
  });

  it('sends MEMBER DELETED when a member is deleted', async () => {
    const user = await newUser();
    const member = await newMember(user, 'password');

    await mx.client.deleteMember(user, member);
    const deleted = await eventually('MEMBER DELETED', webhookOf(member, 'MEMBER', { action: 'DELETED' }));

    expect(deleted).toMatchObject({ member: { guid: member, user_guid: user } });
  });
});

describe('how MX delivers webhooks', () => {
  it('posts JSON with the HTTP Basic credentials set for the webhooks, and no signature', async () => {
    const user = await newUser();

    const member = await newMember(user, 'password');
    await eventually('MEMBER CREATED', webhookOf(member, 'MEMBER'));

    const { headers } = receiver.attempts.find((a) => forMember(member)(a.body))!;
    expect(headers.authorization).toBe(`Basic ${base64(`${HOOK_USER}:${HOOK_PASSWORD}`)}`);
    expect(headers['content-type']).toBe('application/json');
    expect(Object.keys(headers).filter((h) => /signature/i.test(h))).toEqual([]);
  });

  it('retries a delivery answered 500 and then delivers it once', async () => {
    const user = await newUser();
    receiver.failNext(2);

    const member = await newMember(user, 'password');
    await eventually('the delivery after two 500s', webhookOf(member, 'MEMBER'));

    expect(receiver.attempts.filter((a) => forMember(member)(a.body)).map((a) => a.status)).toEqual([500, 500, 204]);
    expect(deliveredFor(member)).toHaveLength(1);
    const counted = await countedDelivered(1);
    expect(counted).toMatchObject({ sent: 1, attempts: 3, retried: 2, delivered: 1 });
    expect(counted.byType.MEMBER).toMatchObject({ retried: 2, delivered: 1 });
  });

  it('loses every webhook at dropRate 1 and never retries it', async () => {
    const user = await newUser();
    mx.simulator.configure({ webhookFaults: { dropRate: 1 } });

    const lost = await newMember(user, 'password');
    mx.simulator.configure({ webhookFaults: { dropRate: 0 } });
    const kept = await newMember(user, 'other-password');
    await eventually('the webhook after the lost one', webhookOf(kept, 'MEMBER'));

    expect(receiver.attempts.filter((a) => forMember(lost)(a.body))).toEqual([]);
    expect(await countedDelivered(1)).toMatchObject({ sent: 2, dropped: 1, attempts: 1, delivered: 1 });
  });

  it('delivers every webhook twice at duplicateRate 1', async () => {
    const user = await newUser();
    mx.simulator.configure({ webhookFaults: { duplicateRate: 1 } });

    const member = await newMember(user, 'password');
    await eventually('the second copy', () => (deliveredFor(member).length === 2 ? true : undefined));

    const [first, second] = deliveredFor(member);
    expect(second).toEqual(first);
    expect(await countedDelivered(2)).toMatchObject({ sent: 1, duplicated: 1, delivered: 2 });
  });

  it('holds a webhook back and sends it after the next one at reorderRate 1', async () => {
    const user = await newUser();
    mx.simulator.configure({ webhookFaults: { reorderRate: 1 } });

    const first = await newMember(user, 'password');
    const second = await newMember(user, 'other-password');
    await eventually('both webhooks', () => (receiver.delivered().length === 2 ? true : undefined));

    const order = receiver.delivered().map((b) => (b.member as { guid: string }).guid);
    expect(order).toEqual([second, first]);
    expect(mx.simulator.stats().webhooks.reordered).toBe(1);
  });

  it('adds delayMs of MX time before each delivery', async () => {
    const user = await newUser();
    // 400 MX seconds: 400 ms real.
    mx.simulator.configure({ webhookFaults: { delayMs: 400_000 } });

    const started = Date.now();
    const member = await newMember(user, 'password');
    await eventually('the delayed webhook', webhookOf(member, 'MEMBER'));

    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it('sends nothing when no webhook target is set', async () => {
    mx.simulator.configure({ webhooks: null });
    const user = await newUser();

    await newMember(user, 'password', { aggregate: true });
    await sleep(200);

    expect(receiver.attempts).toEqual([]);
    expect(mx.simulator.stats().webhooks.sent).toBe(0);
  });
});

describe('webhook settings and X-CALLBACK-PAYLOAD are validated', () => {
  it('answers 400 to a webhook target that is not an http(s) URL, and keeps the one in force', async () => {
    const response = await fetch(`${mx.simulator.url}/_simulator/config`, {
      method: 'PUT',
      body: JSON.stringify({ webhooks: { url: 'not a url', username: 'u', password: 'p' } }),
    });
    const config = (await (await fetch(`${mx.simulator.url}/_simulator/config`)).json()) as {
      config: { webhooks: unknown };
    };

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { message: 'webhooks.url must be an http:// or https:// URL' } });
    expect(config.config.webhooks).toEqual({ url: receiver.url, username: HOOK_USER });
  });

  it('answers 400 to an X-CALLBACK-PAYLOAD longer than 1024 characters and starts nothing', async () => {
    const user = await newUser();
    const member = await newMember(user, 'password');

    const response = await rawCall('POST', `/users/${user}/members/${member}/aggregate`, {
      'X-CALLBACK-PAYLOAD': 'A'.repeat(1025),
    });

    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('X-CALLBACK-PAYLOAD');
    expect((await mx.client.readMemberStatus(user, member)).is_being_aggregated).toBe(false);
  });
});

describe('closing the simulator', () => {
  it('stops every pending retry and transition timer: nothing is sent after close()', async () => {
    const own = await startMxSimulator({
      timeScale: 0.001,
      jobDurationMs: 200_000,
      seed: 'webhooks-close',
      webhooks: { url: receiver.url, username: HOOK_USER, password: HOOK_PASSWORD },
    });
    receiver.failAlways(true);
    const auth = `Basic ${Buffer.from(`${own.clientId}:${own.apiKey}`).toString('base64')}`;
    const call = (path: string, body: unknown) =>
      fetch(`${own.url}${path}`, {
        method: 'POST',
        headers: {
          Authorization: auth,
          Accept: 'application/vnd.mx.api.v1+json',
          'Accept-Version': 'v20111101',
          'Content-Type': 'application/json',
        },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<Record<string, { guid: string }>>);
    const { user } = await call('/users', { user: { id: 'closing' } });
    const institution = await fetch(`${own.url}/institutions/mxbank/credentials`, {
      headers: { Authorization: auth, Accept: 'application/vnd.mx.api.v1+json', 'Accept-Version': 'v20111101' },
    }).then((r) => r.json() as Promise<{ credentials: { guid: string; field_type: string }[] }>);
    const credentials = institution.credentials.map((c) => ({
      guid: c.guid,
      value: c.field_type === 'PASSWORD' ? 'password' : 'mxuser',
    }));
    // A running job (its end is 200 ms away) and a MEMBER CREATED that keeps failing.
    await call(`/users/${user!.guid}/members`, { member: { institution_code: 'mxbank', credentials } });
    await eventually('a first failed attempt', () => (receiver.attempts.length > 0 ? true : undefined));

    await own.close();
    const atClose = receiver.attempts.length;
    await sleep(600);

    // Retries would have come at 60, 180 and 420 ms, the job's AGGREGATION at 200 ms.
    expect(receiver.attempts).toHaveLength(atClose);
  });
});
