import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeletionStore, DeletionUnderwayError } from '#shared/store/deletion-store.js';
import { JobStore, MemberBeingDeletedError } from '#shared/store/job-store.js';
import { MemberStore } from '#shared/store/member-store.js';
import { UserStore } from '#shared/store/user-store.js';
import { type FreshTable, freshTable } from '#test/support/dynamodb.js';

let table: FreshTable;
let deletions: DeletionStore;
let jobs: JobStore;
let members: MemberStore;
let users: UserStore;
let seq = 0;

beforeAll(async () => {
  table = await freshTable('deletion-store');
  deletions = new DeletionStore(table.doc, table.tableName);
  jobs = new JobStore(table.doc, table.tableName);
  members = new MemberStore(table.doc, table.tableName);
  users = new UserStore(table.doc, table.tableName);
});
afterAll(() => table.client.destroy());

const now = new Date('2026-12-05T12:00:00.000Z');
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** A user with one member, both stored as the API stores them. */
async function userWithMember() {
  seq += 1;
  const user = `USR-${hex(seq, 4)}`;
  const member = `MBR-${hex(seq, 4)}`;
  await users.putUser({ guid: user, id: null, email: null, metadata: null, created_at: now.toISOString() });
  await members.putMember({
    guid: member,
    user_guid: user,
    institution_code: 'mxbank',
    id: null,
    metadata: null,
    is_oauth: false,
    oauth_window_uri: null,
    connection_status: 'CONNECTED',
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
  });
  return { user, member };
}

const deletionGuid = () => `DEL-${hex(++seq, 32)}`;
const jobGuid = () => `JOB-${hex(++seq, 12)}-${hex(seq, 16)}`;

describe('DeletionStore', () => {
  it('marks the user and its member with the deletion, and refuses a second deletion of either', async () => {
    const { user, member } = await userWithMember();
    const first = deletionGuid();

    await deletions.createDeletion({ deletionGuid: first, scope: 'user', userGuid: user, memberGuids: [member], now });
    const second = deletions.createDeletion({
      deletionGuid: deletionGuid(),
      scope: 'member',
      userGuid: user,
      memberGuids: [member],
      now,
    });

    await expect(second).rejects.toEqual(new DeletionUnderwayError(first));
    expect((await users.getUser(user))?.deletion_guid).toBe(first);
    expect((await members.getMember(user, member))?.deletion_guid).toBe(first);
    expect(await deletions.getDeletion(first)).toMatchObject({ status: 'RUNNING', member_guids: [member] });
  });

  it('refuses a job start on a marked member (the start names the deletion), and the deletion takes its lock', async () => {
    const { user, member } = await userWithMember();
    const deletion = deletionGuid();
    await deletions.createDeletion({
      deletionGuid: deletion,
      scope: 'member',
      userGuid: user,
      memberGuids: [member],
      now,
    });

    const start = await jobs
      .createJob({ jobGuid: jobGuid(), type: 'aggregate', userGuid: user, memberGuid: member, now, lockSeconds: 60 })
      .catch((error: unknown) => error);
    const holder = await deletions.takeMemberLock(member, deletion, now);

    expect(start).toEqual(new MemberBeingDeletedError(deletion));
    expect(holder).toBeUndefined();
    expect(await jobs.getLock(member)).toMatchObject({ job_guid: deletion, job_type: 'deletion' });
  });

  it('answers the job holding the lock until that job ends, and takes over a lock its ended job still names', async () => {
    const { user, member } = await userWithMember();
    const job = jobGuid();
    await jobs.createJob({ jobGuid: job, type: 'verify', userGuid: user, memberGuid: member, now, lockSeconds: 60 });
    const deletion = deletionGuid();
    await deletions.createDeletion({
      deletionGuid: deletion,
      scope: 'member',
      userGuid: user,
      memberGuids: [member],
      now,
    });

    const busy = await deletions.takeMemberLock(member, deletion, now);
    const stale = await deletions.takeMemberLock(member, deletion, now, job);

    expect(busy).toBe(job);
    expect(stale).toBeUndefined();
    expect((await jobs.getLock(member))?.job_guid).toBe(deletion);
  });

  it('gives the user and member back when the deletion fails: marks and lock gone, a job starts again', async () => {
    const { user, member } = await userWithMember();
    const deletion = deletionGuid();
    const record = await deletions.createDeletion({
      deletionGuid: deletion,
      scope: 'user',
      userGuid: user,
      memberGuids: [member],
      now,
    });
    await deletions.takeMemberLock(member, deletion, now);

    await deletions.finishDeletion(record, { status: 'FAILED', error: { code: 'DELETION_FAILED', message: 'x' }, now });

    expect(await deletions.getDeletion(deletion)).toMatchObject({ status: 'FAILED', finished_at: now.toISOString() });
    expect((await users.getUser(user))?.deletion_guid).toBeUndefined();
    expect((await members.getMember(user, member))?.deletion_guid).toBeUndefined();
    expect(await jobs.getLock(member)).toBeUndefined();
    await expect(
      jobs.createJob({
        jobGuid: jobGuid(),
        type: 'aggregate',
        userGuid: user,
        memberGuid: member,
        now,
        lockSeconds: 60,
      }),
    ).resolves.toMatchObject({ status: 'RUNNING' });
  });

  it('adds up what its steps report, and keeps its record 30 days after it ends', async () => {
    const { user, member } = await userWithMember();
    const deletion = deletionGuid();
    const record = await deletions.createDeletion({
      deletionGuid: deletion,
      scope: 'member',
      userGuid: user,
      memberGuids: [member],
      now,
    });

    await deletions.recordProgress(deletion, { cancelledJobs: ['JOB-a'], now });
    await deletions.recordProgress(deletion, { deletedAtMx: true, itemsDeleted: 40, now });
    await deletions.recordProgress(deletion, { itemsDeleted: 2, now });
    await deletions.finishDeletion(record, { status: 'SUCCEEDED', now });

    const { Item } = await table.doc.send(
      new GetCommand({
        TableName: table.tableName,
        Key: { pk: `DELETION#${deletion}`, sk: 'DELETION' },
      }),
    );
    expect(Item).toMatchObject({
      status: 'SUCCEEDED',
      cancelled_jobs: ['JOB-a'],
      deleted_at_mx: true,
      items_deleted: 42,
      expires_at: Math.floor(now.getTime() / 1000) + 30 * 86_400,
    });
  });
});
