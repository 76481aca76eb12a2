import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyStore } from '#shared/store/idempotency-store.js';
import { JobStore } from '#shared/store/job-store.js';
import { MemberStore } from '#shared/store/member-store.js';
import { Purge } from '#shared/store/purge.js';
import { ResultStore } from '#shared/store/result-store.js';
import { UserStore } from '#shared/store/user-store.js';
import { type FreshTable, freshTable } from '#test/support/dynamodb.js';

let table: FreshTable;
let results: ResultStore;
let purge: Purge;
let seq = 0;

beforeAll(async () => {
  table = await freshTable('purge');
  results = new ResultStore(table.doc, table.tableName);
  purge = new Purge(table.doc, table.tableName);
});
afterAll(() => table.client.destroy());

const at = new Date(Date.UTC(2026, 10, 22, 12, 0, 0));
const next = (prefix: string) => `${prefix}-${String(++seq).padStart(4, '0')}`;
const transactions = (account: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ guid: `TRN-${account}-${i}`, account_guid: account, date: '2026-11-02' }));

async function itemsNaming(guid: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await table.doc.send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true }));
  return Items.filter((item) => JSON.stringify(item).includes(guid));
}

/** A member with a job, results of two generations (one published), and its lock held. */
async function memberWithEverything(user: string) {
  const member = next('MBR');
  await new MemberStore(table.doc, table.tableName).putMember({
    guid: member,
    user_guid: user,
    institution_code: 'mxbank',
    id: null,
    metadata: null,
    is_oauth: false,
    oauth_window_uri: null,
    connection_status: 'CONNECTED',
    created_at: at.toISOString(),
    updated_at: at.toISOString(),
  });
  const jobs = new JobStore(table.doc, table.tableName);
  const job = `JOB-${String(++seq).padStart(12, '0')}-0000000000000001`;
  await jobs.createJob({
    jobGuid: job,
    type: 'verify',
    userGuid: user,
    memberGuid: member,
    now: at,
    lockSeconds: 3600,
  });
  await results.putResults(
    member,
    'transactions',
    job,
    [...transactions('ACT-1', 30), ...transactions('ACT-2', 30)],
    at,
  );
  await results.putResults(member, 'account_numbers', job, [{ guid: 'ACN-1' }], at);
  await results.publishResults(member, job, ['transactions', 'account_numbers']);
  await results.putResults(member, 'transactions', 'JOB-unpublished', transactions('ACT-3', 5), at);
  return { member, job };
}

describe('Purge', () => {
  it("leaves no item of a member (rows of every generation, markers, jobs, lock) and none of another member's", async () => {
    const user = next('USR');
    const { member } = await memberWithEverything(user);
    const { member: other } = await memberWithEverything(user);
    const othersBefore = (await itemsNaming(other)).length;

    const progress = await purge.purgeMember(user, member, Date.now() + 60_000);

    expect(progress.done).toBe(true);
    expect(progress.deleted).toBeGreaterThan(66);
    expect(await itemsNaming(member)).toEqual([]);
    expect((await itemsNaming(other)).length).toBe(othersBefore);
  });

  it('stops at its deadline and finishes on the next call, the lock the last item to go', async () => {
    const user = next('USR');
    const { member } = await memberWithEverything(user);

    const first = await purge.purgeMember(user, member, Date.now() - 1);
    const left = await itemsNaming(member);
    let rest = { deleted: 0, done: false };
    while (!rest.done) rest = await purge.purgeMember(user, member, Date.now() + 60_000);

    expect(first.done).toBe(false);
    expect(left.some((item) => item.sk === 'LOCK')).toBe(true);
    expect(await itemsNaming(member)).toEqual([]);
  });

  it('purges a user: its members, its caller id and the kept Idempotency-Key answers about it', async () => {
    const users = new UserStore(table.doc, table.tableName);
    const user = next('USR');
    await users.putUser({
      guid: user,
      id: `caller-${user}`,
      email: null,
      metadata: null,
      created_at: at.toISOString(),
    });
    await memberWithEverything(user);
    const idempotency = new IdempotencyStore(table.doc, table.tableName);
    const keyHash = `hash-${user}`;
    await idempotency.claim({ keyHash, requestHash: 'r', now: at, ttlSeconds: 86_400, leaseSeconds: 60 });
    await idempotency.complete(
      keyHash,
      { status: 201, body: { user: { guid: user } } },
      { userGuid: user, expiresAt: 2e9 },
    );

    const progress = await purge.purgeUser(user, Date.now() + 60_000);

    expect(progress.done).toBe(true);
    expect(await itemsNaming(user)).toEqual([]);
    expect(await users.findByCallerId(`caller-${user}`)).toBeUndefined();
    expect(await idempotency.claim({ keyHash, requestHash: 'r', now: at, ttlSeconds: 1, leaseSeconds: 1 })).toEqual({
      kind: 'claimed',
    });
  });
});
