// The simulator hands out TANs as MX's accounts reference says, and owners of joint accounts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TAN_PREFIX } from '#local/mx-simulator/index.js';
import { collectItems } from '#shared/mx/index.js';
import {
  credentialsFor,
  pollMemberUntilSettled,
  type SimulatedMx,
  startSimulatedMx,
} from '#test/support/simulated-mx.js';

let mx: SimulatedMx;
let users = 0;

beforeAll(async () => {
  // A challenge waits as long as a loaded machine needs to answer it.
  mx = await startSimulatedMx({
    timeScale: 0.001,
    jobDurationMs: 60_000,
    challengeExpiryMs: 100_000_000,
    transactionsPerAccount: 5,
    seed: 'tans',
  });
});
afterAll(async () => mx?.close());

const newUser = async () => {
  users += 1;
  return String((await mx.client.createUser({ id: `tan-user-${users}` })).guid);
};

/** A connected OAuth member at this institution, verified on its checking account. */
async function verifiedOAuthMember(institution: string) {
  const user = await newUser();
  const { member } = await mx.client.createMember(user, {
    member: { institution_code: institution, is_oauth: true, skip_aggregation: true, credentials: [] },
  });
  const guid = String(member.guid);
  expect((await fetch(String(member.oauth_window_uri))).status).toBe(200);
  await mx.client.startJob('verify', user, guid);
  const selection = (await pollMemberUntilSettled(mx, user, guid)).challenges?.[0];
  const checking = selection?.options?.find((o) => /checking/i.test(String(o.label)));
  await mx.client.resumeMember(user, guid, [{ guid: String(selection?.guid), value: String(checking?.value) }]);
  expect((await pollMemberUntilSettled(mx, user, guid)).connection_status).toBe('CONNECTED');
  const numbers = await collectItems(mx.client.listAccountNumbersByMember(user, guid));
  const accounts = await collectItems(mx.client.listMemberAccounts(user, guid));
  return { numbers, accounts };
}

describe('tokenized account numbers (TANs) at the simulator', () => {
  it('gives an OAuth member at a TAN-issuing bank (Test Chase) a TAN, and its account a masked number that is not the TAN', async () => {
    const { numbers, accounts } = await verifiedOAuthMember('chase_oauth_test');

    expect(numbers).toHaveLength(1);
    const tan = String(numbers[0]?.account_number);
    expect(tan).toMatch(new RegExp(`^${TAN_PREFIX}\\d{13}$`));
    const account = accounts.find((a) => a.guid === numbers[0]?.account_guid);
    expect(account?.account_number).toMatch(/^XXXXXX\d{4}$/);
    expect(tan.endsWith(String(account?.account_number).slice(-4))).toBe(false);
  });

  it('gives an OAuth member at a bank that issues no TANs (MX Bank OAuth) its real number', async () => {
    const { numbers, accounts } = await verifiedOAuthMember('mx_bank_oauth');

    const real = String(numbers[0]?.account_number);
    expect(real).toMatch(/^[1-8]\d{9}$/);
    expect(
      real.endsWith(String(accounts.find((a) => a.guid === numbers[0]?.account_guid)?.account_number).slice(-4)),
    ).toBe(true);
  });

  it('says which institution issues TANs only through its code: Test Chase is an OAuth-only bank that verifies', async () => {
    const [chase] = (await collectItems(mx.client.listInstitutions({ name: 'test chase' }))).filter(
      (i) => i.code === 'chase_oauth_test',
    );

    expect(chase).toMatchObject({
      name: 'Test Chase (OAuth)',
      supports_oauth: true,
      supports_account_verification: true,
    });
    expect(await mx.client.listInstitutionCredentials('chase_oauth_test')).toEqual([]);
  });
});

describe('joint accounts', () => {
  it('an identify of a joint account returns two owners (all_account_types: its Joint Checking)', async () => {
    const user = await newUser();
    const credentials = await credentialsFor(mx.client, 'mxbank', {
      username: 'mxuser',
      password: 'all_account_types',
    });
    const { member } = await mx.client.createMember(user, {
      member: { institution_code: 'mxbank', credentials, skip_aggregation: true },
    });
    const guid = String(member.guid);

    await mx.client.startJob('identify', user, guid);
    const settled = await pollMemberUntilSettled(mx, user, guid);
    const owners = await collectItems(mx.client.listAccountOwnersByMember(user, guid));
    const accounts = await collectItems(mx.client.listMemberAccounts(user, guid));

    expect(settled.connection_status).toBe('CONNECTED');
    const joint = accounts.find((a) => a.name === 'MX Bank Joint Checking');
    const ofJoint = owners.filter((o) => o.account_guid === joint?.guid);
    expect(ofJoint).toHaveLength(2);
    expect(new Set(ofJoint.map((o) => o.owner_name)).size).toBe(2);
    expect(new Set(owners.map((o) => o.guid)).size).toBe(owners.length);
    expect(owners).toHaveLength(accounts.length + 1);
  });
});
