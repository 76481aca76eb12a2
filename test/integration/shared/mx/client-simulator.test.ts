import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT_SELECTION_LABEL,
  CORRECT_ANSWER,
  END_STATUSES,
  TAN_PREFIX,
  TEST_LOGINS,
} from '#local/mx-simulator/index.js';
import { shownChallengeType } from '#local/mx-simulator/test-logins.js';
import { collectItems, type MxClient, type MxError } from '#shared/mx/index.js';
import {
  credentialsFor,
  MX_STATUS_FLOOR_MS,
  pollMemberUntilSettled,
  type SimulatedMx,
  startSimulatedMx,
} from '#test/support/simulated-mx.js';

// 1 ms of real time is 1 s of MX time; a job lasts 300 ms, long enough to still be running
// when the next request of a test arrives, short enough to run dozens of them.
const TIMING = { timeScale: 0.001, jobDurationMs: 300_000, challengeExpiryMs: 100_000_000 };

let mx: SimulatedMx;
let client: MxClient;
let userSeq = 0;

beforeAll(async () => {
  mx = await startSimulatedMx({ ...TIMING, seed: 'client-behaviour' });
  client = mx.client;
});
afterAll(async () => mx.close());
beforeEach(() => {
  mx.simulator.configure({ ...TIMING, transactionsPerAccount: 50 });
  mx.simulator.setFaults({ rate429: 0, rate500: 0, rate503: 0, dropRate: 0, latencyMs: 0 });
});

async function failureOf(promise: Promise<unknown>): Promise<MxError> {
  return promise.then(
    () => expect.unreachable('the call should have failed'),
    (error: unknown) => error as MxError,
  );
}

async function newUser(): Promise<string> {
  userSeq += 1;
  return String((await client.createUser({ id: `behaviour-${userSeq}` })).guid);
}

async function newMember(
  userGuid: string,
  password: string,
  options: { skipAggregation?: boolean; username?: string } = {},
) {
  const credentials = await credentialsFor(client, 'mxbank', { username: options.username ?? 'mxuser', password });
  const { member } = await client.createMember(userGuid, {
    member: { institution_code: 'mxbank', credentials, skip_aggregation: options.skipAggregation ?? false },
  });
  return String(member.guid);
}

async function answerEveryRound(
  userGuid: string,
  memberGuid: string,
  answer: (challenge: { type?: string | null }) => string,
) {
  // The challenge types of each round, in order: a round may hold several challenges.
  const rounds: string[][] = [];
  for (
    let status = await pollMemberUntilSettled(mx, userGuid, memberGuid);
    status.connection_status === 'CHALLENGED';
  ) {
    const challenges = await client.listMemberChallenges(userGuid, memberGuid);
    rounds.push(challenges.map((c) => String(c.type)));
    const resumed = await client.resumeMember(
      userGuid,
      memberGuid,
      challenges.map((c) => ({ guid: String(c.guid), value: answer(c) })),
    );
    expect(resumed.connection_status).toBe('RESUMED');
    status = await pollMemberUntilSettled(mx, userGuid, memberGuid);
  }
  return { rounds, final: await client.readMemberStatus(userGuid, memberGuid) };
}

const correctAnswer = () => CORRECT_ANSWER;

// Tests on users and members of their own run side by side (it.concurrent); those that change the
// simulator's settings, or need a job still running at their next request, run alone.
describe('MX client against the simulator: users and institutions', () => {
  it.concurrent('creates, reads, finds and deletes a user, and refuses a second user with the same id', async ({
    expect,
  }) => {
    const created = await client.createUser({
      id: 'customer-1',
      email: 'one@example.com',
      metadata: '{"plan":"gold"}',
    });

    const read = await client.readUser(String(created.guid));
    const [found] = await collectItems(client.listUsers({ id: 'customer-1' }));
    const duplicate = await failureOf(client.createUser({ id: 'customer-1' }));
    await client.deleteUser(String(created.guid));
    const gone = await failureOf(client.readUser(String(created.guid)));

    expect(read).toMatchObject({ guid: created.guid, id: 'customer-1', email: 'one@example.com' });
    expect(found?.guid).toBe(created.guid);
    expect(duplicate).toMatchObject({ status: 409, code: 'MX_CONFLICT', retryable: false });
    expect(gone).toMatchObject({ status: 404, code: 'MX_NOT_FOUND' });
  });

  it.concurrent('finds institutions by name and by what they support, and lists MX Bank credential fields', async ({
    expect,
  }) => {
    const byName = await collectItems(client.listInstitutions({ name: 'mx bank' }));
    const verifiable = await collectItems(client.listInstitutions({ supportsAccountVerification: true }));
    const everything = await collectItems(client.listInstitutions());
    const fields = await client.listInstitutionCredentials('mxbank');

    expect(byName.map((i) => i.code)).toEqual(['mxbank', 'mx_bank_oauth']);
    expect(verifiable.length).toBeLessThan(everything.length);
    expect(verifiable.every((i) => i.supports_account_verification)).toBe(true);
    expect(fields.map((f) => f.field_name)).toEqual(['LOGIN', 'PASSWORD']);
  });

  it.concurrent('answers 401 to a wrong API key', async ({ expect }) => {
    const stranger = mx.clientWith({ apiKey: 'not-the-key' });

    const error = await failureOf(stranger.listInstitutionCredentials('mxbank'));

    expect(error).toMatchObject({ status: 401, code: 'MX_UNAUTHORIZED', retryable: false });
    expect(error.message).not.toContain('not-the-key');
  });

  it.concurrent('answers 404 to unknown guids and to a member asked for under another user', async ({ expect }) => {
    const owner = await newUser();
    const other = await newUser();
    const member = await newMember(owner, 'password', { skipAggregation: true });

    const unknown = await failureOf(client.readMember(owner, 'MBR-00000000-0000-0000-0000-000000000000'));
    const foreign = await failureOf(client.readMemberStatus(other, member));

    expect(unknown).toMatchObject({ status: 404, code: 'MX_NOT_FOUND' });
    expect(foreign).toMatchObject({ status: 404, code: 'MX_NOT_FOUND' });
  });
});

describe('MX client against the simulator: test logins', () => {
  const endStates = TEST_LOGINS.filter((login) => login.challenges.length === 0);

  it('offers a test login for every end state MX documents', () => {
    const reachable = new Set(endStates.map((login) => login.outcome));

    expect([...END_STATUSES].filter((status) => !reachable.has(status))).toEqual([]);
  });

  // Each on a user of its own, and most of a test is MX time passing: they run side by side.
  it.concurrent.for(endStates.map((login) => [login.password, login.outcome] as const))(
    'aggregates a member with password %s to %s',
    async ([password, outcome], { expect }) => {
      const user = await newUser();

      const member = await newMember(user, password);
      const final = await pollMemberUntilSettled(mx, user, member);

      expect(final).toMatchObject({ connection_status: outcome, is_being_aggregated: false });
    },
  );

  it('denies an unknown username whatever its password', async () => {
    const user = await newUser();

    const member = await newMember(user, 'password', { username: 'someone-else' });

    expect(await pollMemberUntilSettled(mx, user, member)).toMatchObject({ connection_status: 'DENIED' });
  });

  it.concurrent.for(
    TEST_LOGINS.filter((login) => login.challenges.length > 0).map(
      (login) => [login.password, login.challenges] as const,
    ),
  )(
    'challenges password %s with %j and connects once each round is answered correctly',
    async ([password, rounds], { expect }) => {
      const user = await newUser();
      const member = await newMember(user, password);

      const seen = await answerEveryRound(user, member, correctAnswer);

      // MX shows a big image as any IMAGE_DATA: the size is the simulator's, not a type of MX's.
      expect(seen.rounds).toEqual(
        rounds.map((round) => (Array.isArray(round) ? round : [round]).map(shownChallengeType)),
      );
      const { final } = seen;
      expect(final).toMatchObject({ connection_status: 'CONNECTED', is_being_aggregated: false });
    },
  );

  it('shows each challenge with what the end user needs to answer it', async () => {
    const user = await newUser();
    const members = await Promise.all(['options', 'image', 'image_options'].map((p) => newMember(user, p)));

    const [options, image, imageOptions] = await Promise.all(
      members.map(async (member) => {
        await pollMemberUntilSettled(mx, user, member);
        return (await client.readMemberStatus(user, member)).challenges?.[0];
      }),
    );

    expect(options?.options?.map((o) => o.value)).toContain(CORRECT_ANSWER);
    expect(image?.image_data).toMatch(/^data:image\//);
    expect(imageOptions?.image_options?.every((o) => o.data_uri?.startsWith('data:image/'))).toBe(true);
  });

  it('ends REJECTED when a challenge is answered wrongly', async () => {
    const user = await newUser();
    const member = await newMember(user, 'challenge');

    const { final } = await answerEveryRound(user, member, () => 'wrong-answer');

    expect(final).toMatchObject({ connection_status: 'REJECTED', is_being_aggregated: false });
  });

  it('ends EXPIRED when nobody answers the challenge in time', async () => {
    mx.simulator.configure({ challengeExpiryMs: 60_000 });
    const user = await newUser();
    const member = await newMember(user, 'challenge');

    const challenged = await pollMemberUntilSettled(mx, user, member);
    const final = await pollMemberUntilSettled(mx, user, member, { stopAt: [] });

    expect(challenged.connection_status).toBe('CHALLENGED');
    expect(final).toMatchObject({ connection_status: 'EXPIRED', is_being_aggregated: false });
  });

  it('answers 405 to a resume while the member is not CHALLENGED, and lists no challenges then', async () => {
    const user = await newUser();
    const member = await newMember(user, 'password', { skipAggregation: true });

    const error = await failureOf(client.resumeMember(user, member, [{ guid: 'CRD-1', value: CORRECT_ANSWER }]));

    expect(error).toMatchObject({ status: 405, code: 'MX_NOT_ALLOWED', retryable: false });
    expect(await client.listMemberChallenges(user, member)).toEqual([]);
  });

  it('re-authenticates with updated credentials', async () => {
    const user = await newUser();
    const member = await newMember(user, 'denied');
    expect(await pollMemberUntilSettled(mx, user, member)).toMatchObject({ connection_status: 'DENIED' });

    const credentials = await credentialsFor(client, 'mxbank', { username: 'mxuser', password: 'password' });
    await client.updateMember(user, member, { credentials });

    expect(await pollMemberUntilSettled(mx, user, member)).toMatchObject({
      connection_status: 'CONNECTED',
      is_authenticated: true,
    });
  });

  it('answers 409 to a second member with the same credentials at the same institution', async () => {
    const user = await newUser();
    await newMember(user, 'password', { skipAggregation: true });

    const error = await failureOf(newMember(user, 'password', { skipAggregation: true }));

    expect(error).toMatchObject({ status: 409, code: 'MX_CONFLICT' });
  });

  it('deletes a member', async () => {
    const user = await newUser();
    const member = await newMember(user, 'password', { skipAggregation: true });

    await client.deleteMember(user, member);

    expect(await failureOf(client.readMember(user, member))).toMatchObject({ status: 404 });
    expect(await collectItems(client.listMembers(user))).toEqual([]);
  });
});

describe('MX client against the simulator: jobs', () => {
  it.concurrent('verifies through the account-selection challenge and returns numbers for the chosen account only', async ({
    expect,
  }) => {
    const user = await newUser();
    const member = await newMember(user, 'password', { skipAggregation: true });

    const start = await client.startJob('verify', user, member);
    const challenged = await pollMemberUntilSettled(mx, user, member);
    const [selection] = challenged.challenges ?? [];
    const checking = selection?.options?.find((o) => /checking/i.test(String(o.label)));
    await client.resumeMember(user, member, [{ guid: String(selection?.guid), value: String(checking?.value) }]);
    const final = await pollMemberUntilSettled(mx, user, member);
    const numbers = await collectItems(client.listAccountNumbersByMember(user, member));
    const accounts = await collectItems(client.listMemberAccounts(user, member));
    const checkingAccount = accounts.find((a) => a.type === 'CHECKING');

    expect(start).toMatchObject({ httpStatus: 200, alreadyRunning: false });
    expect(selection).toMatchObject({ type: 'OPTIONS', label: ACCOUNT_SELECTION_LABEL });
    expect(selection?.options).toHaveLength(2);
    expect(final).toMatchObject({
      connection_status: 'CONNECTED',
      is_being_aggregated: false,
      has_processed_account_numbers: true,
    });
    expect(numbers).toHaveLength(1);
    // The option's value is MX's own token, not the account's guid.
    expect(checking?.value).not.toBe(checkingAccount?.guid);
    expect(numbers[0]).toMatchObject({
      account_guid: checkingAccount?.guid,
      member_guid: member,
      passed_validation: true,
    });
    expect(numbers[0]?.routing_number).toMatch(/^\d{9}$/);
  });

  it.concurrent('ends a verification IMPEDED without a challenge when no account is eligible', async ({ expect }) => {
    const user = await newUser();
    const member = await newMember(user, 'no_eligible_accounts', { skipAggregation: true });

    await client.startJob('verify', user, member);
    const final = await pollMemberUntilSettled(mx, user, member);

    expect(final).toMatchObject({ connection_status: 'IMPEDED', is_being_aggregated: false });
    expect(final.challenges ?? []).toEqual([]);
  });

  it.concurrent('answers 400 to a verification or identification the institution does not support', async ({
    expect,
  }) => {
    const user = await newUser();
    const [noVerify] = await collectItems(client.listInstitutions({ name: 'Beehive' }));
    const credentials = await credentialsFor(client, String(noVerify?.code), {
      username: 'mxuser',
      password: 'password',
    });
    const { member } = await client.createMember(user, {
      member: { institution_code: String(noVerify?.code), credentials, skip_aggregation: true },
    });

    const error = await failureOf(client.startJob('verify', user, String(member.guid)));

    expect(noVerify?.supports_account_verification).toBe(false);
    expect(error).toMatchObject({ status: 400, code: 'MX_BAD_REQUEST', retryable: false });
  });

  it.concurrent('identifies the owners of every account of the member', async ({ expect }) => {
    const user = await newUser();
    const member = await newMember(user, 'password', { skipAggregation: true });

    const start = await client.startJob('identify', user, member);
    const final = await pollMemberUntilSettled(mx, user, member);
    const owners = await collectItems(client.listAccountOwnersByMember(user, member));
    const accounts = await collectItems(client.listMemberAccounts(user, member));

    expect(start.httpStatus).toBe(202);
    expect(final.connection_status).toBe('CONNECTED');
    expect(owners.map((o) => o.account_guid).sort()).toEqual(accounts.map((a) => a.guid).sort());
    expect(owners.every((o) => typeof o.owner_name === 'string' && o.owner_name.length > 0)).toBe(true);
  });

  it('aggregates accounts and every transaction, account by account and page by page', async () => {
    mx.simulator.configure({ transactionsPerAccount: 1_200 });
    const user = await newUser();

    const member = await newMember(user, 'password');
    await pollMemberUntilSettled(mx, user, member);
    const accounts = await collectItems(client.listMemberAccounts(user, member));
    const pages = [];
    for (const account of accounts) {
      for await (const page of client.listTransactionsByAccount(user, String(account.guid))) pages.push(page);
    }

    expect(accounts.map((a) => a.type)).toEqual(['CHECKING', 'SAVINGS', 'CREDIT_CARD']);
    expect(pages.map((p) => p.items.length)).toEqual([1_000, 200, 1_000, 200, 1_000, 200]);
    expect(new Set(pages.flatMap((p) => p.items.map((t) => t.guid))).size).toBe(3_600);
  });

  it('keeps to the date range asked for', async () => {
    const user = await newUser();
    const member = await newMember(user, 'password');
    await pollMemberUntilSettled(mx, user, member);
    const [account] = await collectItems(client.listMemberAccounts(user, member));
    const all = await collectItems(client.listTransactionsByAccount(user, String(account?.guid)));
    const dates = all.map((t) => String(t.date)).sort();
    const middle = dates[Math.floor(dates.length / 2)] as string;

    const recent = await collectItems(
      client.listTransactionsByAccount(user, String(account?.guid), { fromDate: middle }),
    );
    const older = await collectItems(client.listTransactionsByAccount(user, String(account?.guid), { toDate: middle }));

    expect(recent.every((t) => String(t.date) >= middle)).toBe(true);
    expect(older.every((t) => String(t.date) <= middle)).toBe(true);
    expect(recent.length + older.length).toBe(all.length + all.filter((t) => t.date === middle).length);
  });

  it('attaches to a job of the same type already running (202) instead of starting another', async () => {
    const user = await newUser();
    const member = await newMember(user, 'password', { skipAggregation: true });

    const first = await client.startJob('aggregate', user, member);
    const again = await client.startJob('aggregate', user, member, { previousJobGuid: first.jobGuid });
    const verify = await client.startJob(
      'verify',
      user,
      String(await newMember(user, 'other-password', { skipAggregation: true })),
    );

    expect(first).toMatchObject({ httpStatus: 202, alreadyRunning: false });
    expect(again).toMatchObject({ httpStatus: 202, alreadyRunning: true, jobGuid: first.jobGuid });
    expect(verify.alreadyRunning).toBe(false);
  });

  it('answers 409 to a job of another type while the automatic aggregation runs', async () => {
    const user = await newUser();
    const member = await newMember(user, 'password');

    const error = await failureOf(client.startJob('verify', user, member));

    expect(error).toMatchObject({ status: 409, code: 'MX_CONFLICT', retryable: false });
  });

  it.concurrent('records the callback payload a job start carries', async ({ expect }) => {
    const user = await newUser();
    const member = await newMember(user, 'password', { skipAggregation: true });

    await client.startJob('aggregate', user, member, { callbackPayload: 'job=JOB-local-1' });

    expect(mx.simulator.stats().callbackPayloads[member]).toBe(Buffer.from('job=JOB-local-1').toString('base64'));
  });

  it.concurrent('sees a status-read gap of at least 3 s of MX time when polled as MX asks', async ({ expect }) => {
    const user = await newUser();
    const member = await newMember(user, 'password');

    await pollMemberUntilSettled(mx, user, member);

    const reads = mx.simulator.stats().statusReads.byMember[member];
    expect(reads?.reads).toBeGreaterThan(1);
    expect(reads?.minGapMs).toBeGreaterThanOrEqual(MX_STATUS_FLOOR_MS);
  });
});

describe('MX client against the simulator: OAuth and widgets', () => {
  async function oauthMember(user: string, redirect: { client_redirect_url?: string; referral_source?: string } = {}) {
    const { member } = await client.createMember(user, {
      ...redirect,
      member: { institution_code: 'chase_oauth_test', is_oauth: true, credentials: [] },
    });
    return member;
  }

  it('waits PENDING until the end user opens the OAuth window, then connects with tokenized numbers', async () => {
    const user = await newUser();
    const member = await oauthMember(user, { client_redirect_url: 'https://app.example/done', referral_source: 'APP' });
    const guid = String(member.guid);
    const pending = await client.readMemberStatus(user, guid);

    const opened = await fetch(String(member.oauth_window_uri), { redirect: 'manual' });
    await pollMemberUntilSettled(mx, user, guid);
    await client.startJob('verify', user, guid);
    const selection = (await pollMemberUntilSettled(mx, user, guid)).challenges?.[0];
    await client.resumeMember(user, guid, [
      { guid: String(selection?.guid), value: String(selection?.options?.[0]?.value) },
    ]);
    await pollMemberUntilSettled(mx, user, guid);
    const [number] = await collectItems(client.listAccountNumbersByMember(user, guid));

    expect(member).toMatchObject({ connection_status: 'PENDING', is_oauth: true });
    expect(member.oauth_window_uri).toContain(mx.simulator.url);
    expect(pending).toMatchObject({ connection_status: 'PENDING', is_being_aggregated: false });
    expect(opened.status).toBe(302);
    expect(opened.headers.get('location')).toContain('https://app.example/done');
    expect(number?.account_number?.startsWith(TAN_PREFIX)).toBe(true);
  });

  it('ends DENIED when the end user refuses at the bank, and stays PENDING when the window is never opened', async () => {
    const user = await newUser();
    const refused = await oauthMember(user);
    const abandoned = await oauthMember(await newUser());

    await fetch(`${String(refused.oauth_window_uri)}&outcome=deny`);
    const denied = await client.readMemberStatus(user, String(refused.guid));
    const stillPending = await client.readMemberStatus(String(abandoned.user_guid), String(abandoned.guid));

    expect(denied).toMatchObject({ connection_status: 'DENIED', is_being_aggregated: false });
    expect(stillPending).toMatchObject({ connection_status: 'PENDING' });
  });

  it('requests Connect widget URLs in both the current and the older form', async () => {
    const user = await newUser();

    const widget = await client.requestWidgetUrl(
      user,
      { widget_type: 'connect_widget', mode: 'verification' },
      { callbackPayload: 'w' },
    );
    const connect = await client.requestConnectWidgetUrl(user, { mode: 'verification' });

    expect(widget).toMatchObject({ type: 'connect_widget' });
    expect(widget.url).toMatch(/^http/);
    expect(connect).toMatchObject({ guid: user });
    expect(connect.connect_widget_url).toMatch(/^http/);
  });
});

describe('MX client against the simulator: the Atrium dialect', () => {
  it('runs the legacy verification flow with key headers and identifier', async () => {
    const atrium = mx.clientWith({ dialect: 'atrium' });
    const user = await atrium.createUser({ id: 'atrium-customer' });
    const credentials = await credentialsFor(atrium, 'mxbank', { username: 'test_atrium', password: 'options' });
    const { member } = await atrium.createMember(String(user.guid), {
      member: { institution_code: 'mxbank', credentials, skip_aggregation: true, id: 'atrium-member' },
    });
    const [u, m] = [String(user.guid), String(member.guid)];

    await atrium.startJob('verify', u, m);
    const { types, final } = await (async () => {
      const seen: string[] = [];
      for (
        let status = await pollMemberUntilSettled(mx, u, m, {}, atrium);
        status.connection_status === 'CHALLENGED';
      ) {
        const [challenge] = status.challenges ?? [];
        seen.push(String(challenge?.label));
        const value = challenge?.label === ACCOUNT_SELECTION_LABEL ? challenge.options?.[0]?.value : CORRECT_ANSWER;
        await atrium.resumeMember(u, m, [{ guid: String(challenge?.guid), value: String(value) }]);
        status = await pollMemberUntilSettled(mx, u, m, {}, atrium);
      }
      return { types: seen, final: await atrium.readMemberStatus(u, m) };
    })();
    const numbers = await collectItems(atrium.listAccountNumbersByMember(u, m));
    const widget = await atrium.requestConnectWidgetUrl(u, { mode: 'verification' });

    expect(user.id).toBe('atrium-customer');
    expect(member.id).toBe('atrium-member');
    expect(types).toHaveLength(2);
    expect(types[1]).toBe(ACCOUNT_SELECTION_LABEL);
    expect(final).toMatchObject({ connection_status: 'CONNECTED', is_being_aggregated: false });
    expect(numbers).toHaveLength(1);
    expect(widget.connect_widget_url).toMatch(/^http/);
  });
});

describe('MX client against the simulator: faults', () => {
  // Gives a failed page up at once, as the API's client does: the fault is under test, not the page retries' waits.
  const once = () => mx.clientWith({ pageRetries: 0 });

  it.each([
    ['rate429', 429, 'MX_RATE_LIMITED'],
    ['rate500', 500, 'MX_SERVER_ERROR'],
    ['rate503', 503, 'MX_SERVER_ERROR'],
  ] as const)('turns an injected %s into a retryable %s', async (fault, status, code) => {
    mx.simulator.setFaults({ [fault]: 1 });

    const error = await failureOf(once().listInstitutionCredentials('mxbank'));

    expect(error).toMatchObject({ status, code, retryable: true });
  });

  it('turns a dropped connection into a retryable network error', async () => {
    mx.simulator.setFaults({ dropRate: 1 });

    expect(await failureOf(once().listInstitutionCredentials('mxbank'))).toMatchObject({
      code: 'MX_NETWORK',
      retryable: true,
    });
  });

  it('times out on an answer slower than its limit', async () => {
    mx.simulator.setFaults({ latencyMs: 1_000_000 });
    const impatient = mx.clientWith({ timeoutMs: 100, pageRetries: 0 });

    expect(await failureOf(impatient.listInstitutionCredentials('mxbank'))).toMatchObject({
      code: 'MX_TIMEOUT',
      retryable: true,
    });
  });
});
