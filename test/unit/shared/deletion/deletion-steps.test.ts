import { describe, expect, it } from 'vitest';
import { DELETION_DRAIN_SECONDS } from '#shared/contract/workflow.js';
import { deleteAtMx } from '#shared/deletion/delete-at-mx.js';
import { prepareDeletion } from '#shared/deletion/prepare-deletion.js';
import { purgeItems } from '#shared/deletion/purge-items.js';
import { recordDeletionFailure } from '#shared/deletion/record-deletion-failure.js';
import { MxError } from '#shared/mx/index.js';
import { type DeletionRecord, newDeletionRecord } from '#shared/store/deletion-store.js';
import { NOW } from '#test/support/fakes/api-deps.js';
import { FakeStepFunctions } from '#test/support/fakes/sfn.js';

const DELETION = `DEL-${'a'.repeat(32)}`;
const JOB = 'JOB-0000000000aa-00000000000000aa';
const ARNS = {
  aggregate: 'arn:aws:states:us-east-1:123456789012:stateMachine:aggregate',
  verify: 'arn:aws:states:us-east-1:123456789012:stateMachine:verify',
  identify: 'arn:aws:states:us-east-1:123456789012:stateMachine:identify',
  history: 'arn:aws:states:us-east-1:123456789012:stateMachine:history',
};

/** A deletion record, and a store of it that keeps what the steps report. */
function deletionOf(scope: 'user' | 'member', memberGuids: string[]) {
  let record = newDeletionRecord({ deletionGuid: DELETION, scope, userGuid: 'USR-1', memberGuids, now: NOW });
  const ends: { status: string; error?: { code: string } }[] = [];
  return {
    ends,
    record: () => record,
    getDeletion: async () => record,
    recordProgress: async (
      _guid: string,
      p: { cancelledJobs?: readonly string[]; deletedAtMx?: boolean; itemsDeleted?: number },
    ) => {
      record = {
        ...record,
        cancelled_jobs: [...record.cancelled_jobs, ...(p.cancelledJobs ?? [])],
        deleted_at_mx: record.deleted_at_mx || Boolean(p.deletedAtMx),
        items_deleted: record.items_deleted + (p.itemsDeleted ?? 0),
      };
    },
    finishDeletion: async (_d: DeletionRecord, end: { status: 'SUCCEEDED' | 'FAILED'; error?: { code: string } }) => {
      ends.push(end);
      record = { ...record, status: end.status };
    },
  };
}

describe('PrepareDeletion', () => {
  it('cancels the job holding a member (MEMBER_DELETED, its execution stopped), takes the lock, and waits out its steps', async () => {
    const store = deletionOf('member', ['MBR-1']);
    const holders = [JOB, undefined];
    const finished: unknown[] = [];
    const sfn = new FakeStepFunctions();
    await sfn.send({
      constructor: { name: 'StartExecutionCommand' },
      input: { stateMachineArn: ARNS.verify, name: JOB },
    } as never);

    const prepared = await prepareDeletion(
      {
        deletions: { ...store, takeMemberLock: async () => holders.shift() },
        jobs: {
          getJob: async () => ({ job_guid: JOB, member_guid: 'MBR-1', type: 'verify', status: 'CHALLENGED' }) as never,
          finishJob: async (...args: unknown[]) => {
            finished.push(args[2]);
            return true;
          },
        },
        sfn,
        stateMachineArns: ARNS,
        now: () => NOW,
      },
      { deletionGuid: DELETION },
    );

    expect(prepared).toEqual({ drainSeconds: DELETION_DRAIN_SECONDS });
    expect(finished).toEqual([{ status: 'CANCELLED', reason: 'MEMBER_DELETED', now: NOW }]);
    expect(sfn.stopped).toEqual([`arn:aws:states:us-east-1:123456789012:execution:verify:${JOB}`]);
    expect(store.record().cancelled_jobs).toEqual([JOB]);
  });

  it('waits for nothing when no job ran, and takes over a lock its ended job still names', async () => {
    const store = deletionOf('user', ['MBR-1', 'MBR-2']);
    const asked: (string | undefined)[] = [];
    const holders = [undefined, JOB, undefined];

    const prepared = await prepareDeletion(
      {
        deletions: {
          ...store,
          takeMemberLock: async (_member, _deletion, _now, stale) => {
            asked.push(stale);
            return holders.shift();
          },
        },
        jobs: {
          getJob: async () => ({ job_guid: JOB, member_guid: 'MBR-2', type: 'verify', status: 'SUCCEEDED' }) as never,
          finishJob: async () => {
            throw new Error('an ended job is not cancelled');
          },
        },
        sfn: new FakeStepFunctions(),
        stateMachineArns: ARNS,
        now: () => NOW,
      },
      { deletionGuid: DELETION },
    );

    expect(prepared).toEqual({ drainSeconds: 0 });
    expect(asked).toEqual([undefined, undefined, JOB]);
  });
});

describe('DeleteAtMx', () => {
  it("deletes the user at MX for a user's deletion, each member for a member's, and counts MX's 404 as deleted", async () => {
    const calls: string[] = [];
    const mx = {
      deleteUser: async (user: string) => {
        calls.push(`user ${user}`);
      },
      deleteMember: async (_user: string, member: string) => {
        calls.push(`member ${member}`);
        throw new MxError({ operation: 'deleteMember', code: 'MX_NOT_FOUND', status: 404 });
      },
    };
    const user = deletionOf('user', ['MBR-1']);
    const member = deletionOf('member', ['MBR-1']);

    await deleteAtMx({ mx: async () => mx, deletions: user, now: () => NOW }, { deletionGuid: DELETION });
    await deleteAtMx({ mx: async () => mx, deletions: member, now: () => NOW }, { deletionGuid: DELETION });

    expect(calls).toEqual(['user USR-1', 'member MBR-1']);
    expect(user.record().deleted_at_mx).toBe(true);
    expect(member.record().deleted_at_mx).toBe(true);
  });

  it('leaves an MX 5xx under the name the state machine retries, and records nothing', async () => {
    const store = deletionOf('user', []);
    const mx = {
      deleteUser: async () => {
        throw new MxError({ operation: 'deleteUser', code: 'MX_SERVER_ERROR', status: 503 });
      },
      deleteMember: async () => undefined,
    };

    const failed = deleteAtMx({ mx: async () => mx, deletions: store, now: () => NOW }, { deletionGuid: DELETION });

    await expect(failed).rejects.toMatchObject({ name: 'MxTransientError' });
    expect(store.record().deleted_at_mx).toBe(false);
  });
});

describe('PurgeItems', () => {
  it('hands back while the purge is not done, and ends the deletion SUCCEEDED on the step that finds nothing left', async () => {
    const store = deletionOf('member', ['MBR-1', 'MBR-2']);
    const steps = [
      { deleted: 500, done: false },
      { deleted: 20, done: true },
      { deleted: 7, done: true },
    ];
    const purge = {
      purgeMember: async () => steps.shift() ?? { deleted: 0, done: true },
      purgeUser: async () => ({ deleted: 0, done: true }),
    };
    const deps = { purge, deletions: store, clock: () => 0, now: () => NOW };

    const first = await purgeItems(deps, { deletionGuid: DELETION });
    const second = await purgeItems(deps, { deletionGuid: DELETION });

    expect([first, second]).toEqual([{ done: false }, { done: true }]);
    expect(store.record()).toMatchObject({ items_deleted: 527, status: 'SUCCEEDED' });
  });
});

describe('RecordDeletionFailure', () => {
  it('ends the deletion FAILED naming the error only (never its cause), once', async () => {
    const store = deletionOf('user', ['MBR-1']);

    await recordDeletionFailure(
      { deletions: store, now: () => NOW },
      { deletionGuid: DELETION, failure: { Error: 'MxTransientError' } },
    );
    await recordDeletionFailure(
      { deletions: store, now: () => NOW },
      { deletionGuid: DELETION, failure: { Error: 'Other' } },
    );

    expect(store.ends).toEqual([
      {
        status: 'FAILED',
        error: { code: 'DELETION_FAILED', message: 'the deletion stopped on MxTransientError; delete again to retry' },
        now: NOW,
      },
    ]);
  });
});
