import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isMxError, type MxClient } from '#shared/mx/index.js';
import {
  credentialsFor,
  pollMemberUntilSettled,
  type SimulatedMx,
  startSimulatedMx,
} from '#test/support/simulated-mx.js';

let mx: SimulatedMx;
let client: MxClient;

beforeAll(async () => {
  // Jobs last 30 s of MX time (30 ms real); background aggregation off unless a test turns it on.
  mx = await startSimulatedMx({
    timeScale: 0.001,
    jobDurationMs: 30_000,
    // A challenge waits as long as a loaded machine needs to answer it.
    challengeExpiryMs: 100_000_000,
    seed: 'job-starts',
    backgroundAggregationMs: 0,
  });
  client = mx.client;
});
afterAll(async () => mx?.close());
beforeEach(() => {
  mx.simulator.reset();
  mx.simulator.configure({ jobDurationMs: 30_000, aggregationThrottleMs: 3 * 3_600_000, backgroundAggregationMs: 0 });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A member of a new user, idle (skip_aggregation), with the test login `password`. */
async function idleMember(password: string) {
  const user = String((await client.createUser({ id: `starts-${crypto.randomUUID()}` })).guid);
  const credentials = await credentialsFor(client, 'mxbank', { username: 'mxuser', password });
  const { member } = await client.createMember(user, {
    member: { institution_code: 'mxbank', credentials, skip_aggregation: true },
  });
  return { user, member: String(member.guid) };
}

async function ran(user: string, member: string, type: 'aggregate' | 'verify' | 'identify') {
  await client.startJob(type, user, member);
  return pollMemberUntilSettled(mx, user, member, { stopAt: [] });
}

async function refusal(start: Promise<unknown>) {
  const error = await start.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isMxError(error)) throw new Error(`expected MX to refuse, got ${String(error)}`);
  return error;
}

async function numbersOf(user: string, member: string) {
  const numbers = [];
  for await (const page of client.listAccountNumbersByMember(user, member)) numbers.push(...page.items);
  return numbers;
}

/** Runs a verification through its account selection. */
async function verified(user: string, member: string) {
  await client.startJob('verify', user, member);
  const parked = await pollMemberUntilSettled(mx, user, member);
  const selection = parked.challenges?.[0];
  await client.resumeMember(user, member, [
    { guid: String(selection?.guid), value: String(selection?.options?.[0]?.value) },
  ]);
  return pollMemberUntilSettled(mx, user, member, { stopAt: [] });
}

describe('the simulator starts jobs only from the statuses MX starts them from', () => {
  it('the simulator refuses a verify on a LOCKED member (422) and starts nothing', async () => {
    const { user, member } = await idleMember('locked');
    expect((await ran(user, member, 'aggregate')).connection_status).toBe('LOCKED');
    const jobBefore = (await client.readMember(user, member)).most_recent_job_guid;

    const error = await refusal(client.startJob('verify', user, member));

    expect(error).toMatchObject({ status: 422, code: 'MX_UNPROCESSABLE', retryable: false });
    expect(error.message).toContain('LOCKED');
    expect((await client.readMember(user, member)).most_recent_job_guid).toBe(jobBefore);
  });

  it('refuses a job on an OAuth member still PENDING (422), not with the 409 that means another job runs', async () => {
    const user = String((await client.createUser({ id: `starts-${crypto.randomUUID()}` })).guid);
    const { member } = await client.createMember(user, {
      member: { institution_code: 'mx_bank_oauth', credentials: [], is_oauth: true, skip_aggregation: true },
    });

    const error = await refusal(client.startJob('aggregate', user, String(member.guid)));

    expect(error).toMatchObject({ status: 422, code: 'MX_UNPROCESSABLE' });
  });

  it('starts again from a status MX allows (DEGRADED)', async () => {
    const { user, member } = await idleMember('degraded');
    await ran(user, member, 'aggregate');
    mx.simulator.configure({ jobDurationMs: 3_600_000 }); // still running when read, however loaded the machine

    const started = await client.startJob('identify', user, member);

    expect(started.alreadyRunning).toBe(false);
    expect((await client.readMemberStatus(user, member)).is_being_aggregated).toBe(true);
  });
});

describe('aggregation throttling', () => {
  it('answers a second aggregation inside the throttle window 202 without a run: successfully_aggregated_at does not move', async () => {
    const { user, member } = await idleMember('password');
    const first = await ran(user, member, 'aggregate');
    const jobBefore = (await client.readMember(user, member)).most_recent_job_guid;
    await sleep(5); // 5 s of MX time: past the whole second successfully_aggregated_at is given in

    const again = await client.startJob('aggregate', user, member);
    const after = await client.readMember(user, member);

    expect(again.jobGuid).toBe(jobBefore);
    expect(after).toMatchObject({
      is_being_aggregated: false,
      connection_status: 'CONNECTED',
      successfully_aggregated_at: first.successfully_aggregated_at,
    });
  });

  it('runs the second aggregation when the window is off (aggregationThrottleMs 0), and never throttles a verify', async () => {
    mx.simulator.configure({ aggregationThrottleMs: 0 });
    const { user, member } = await idleMember('password');
    await ran(user, member, 'aggregate');
    mx.simulator.configure({ jobDurationMs: 3_600_000 }); // still running when read, however loaded the machine

    await client.startJob('aggregate', user, member);

    expect((await client.readMemberStatus(user, member)).is_being_aggregated).toBe(true);
  });
});

describe('background aggregation', () => {
  it('a background aggregation makes the member busy: a verify meets 409, an aggregate attaches (202)', async () => {
    // 300 s of MX time is 0.3 s of real time.
    mx.simulator.configure({ backgroundAggregationMs: 300_000, jobDurationMs: 3_600_000 });
    const { user, member } = await idleMember('password');
    const idle = await client.readMember(user, member);

    await sleep(400);
    const busy = await client.readMemberStatus(user, member);
    const verify = await refusal(client.startJob('verify', user, member));
    const aggregate = await client.startJob('aggregate', user, member, {
      previousJobGuid: (await client.readMember(user, member)).most_recent_job_guid,
    });

    expect(idle.is_being_aggregated).toBe(false);
    expect(busy).toMatchObject({ is_being_aggregated: true, connection_status: 'CREATED' });
    expect(verify).toMatchObject({ status: 409, code: 'MX_CONFLICT' });
    expect(aggregate.alreadyRunning).toBe(true);
  });

  it('runs no background aggregation for a member with background_aggregation_is_disabled', async () => {
    mx.simulator.configure({ backgroundAggregationMs: 300_000 });
    const user = String((await client.createUser({ id: `starts-${crypto.randomUUID()}` })).guid);
    const credentials = await credentialsFor(client, 'mxbank', { username: 'mxuser', password: 'password' });
    const { member } = await client.createMember(user, {
      member: {
        institution_code: 'mxbank',
        credentials,
        skip_aggregation: true,
        background_aggregation_is_disabled: true,
      },
    });

    await sleep(400);

    expect((await client.readMemberStatus(user, String(member.guid))).is_being_aggregated).toBe(false);
  });
});

describe('account numbers of the verification test logins', () => {
  it('gives passed_validation: false for the unvalidated_numbers login', async () => {
    const { user, member } = await idleMember('unvalidated_numbers');

    expect((await verified(user, member)).connection_status).toBe('CONNECTED');
    const numbers = await numbersOf(user, member);

    expect(numbers).toHaveLength(1);
    expect(numbers[0]).toMatchObject({ passed_validation: false });
  });

  it('ends a verification CONNECTED with no account numbers for the no_account_numbers login', async () => {
    const { user, member } = await idleMember('no_account_numbers');

    expect((await verified(user, member)).connection_status).toBe('CONNECTED');

    expect(await numbersOf(user, member)).toEqual([]);
  });
});
