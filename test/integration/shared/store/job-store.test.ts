import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobStore, MemberBusyError } from '#shared/store/job-store.js';
import { ResultStore } from '#shared/store/result-store.js';
import { type FreshTable, freshTable } from '#test/support/dynamodb.js';

let table: FreshTable;
let jobs: JobStore;
let seq = 0;

beforeAll(async () => {
  table = await freshTable('job-store');
  jobs = new JobStore(table.doc, table.tableName);
});
afterAll(() => table.client.destroy());

const at = (second: number) => new Date(Date.UTC(2026, 10, 22, 12, 0, second));

async function newJob(overrides: { memberGuid?: string; now?: Date; lockSeconds?: number } = {}) {
  seq += 1;
  const job = {
    jobGuid: `JOB-${String(seq).padStart(4, '0')}`,
    type: 'verify' as const,
    userGuid: 'USR-1',
    memberGuid: overrides.memberGuid ?? `MBR-${seq}`,
    now: overrides.now ?? at(0),
    lockSeconds: overrides.lockSeconds ?? 3600,
  };
  await jobs.createJob(job);
  return job;
}

describe('JobStore', () => {
  it('lets one job at a time run on a member, naming the one that holds it', async () => {
    const first = await newJob();

    const second = await newJob({ memberGuid: first.memberGuid }).catch((e: unknown) => e);

    expect(second).toBeInstanceOf(MemberBusyError);
    expect((second as MemberBusyError).running).toMatchObject({ job_guid: first.jobGuid, job_type: 'verify' });
  });

  it('gives exactly one of fifty simultaneous starts the member', async () => {
    const memberGuid = 'MBR-contended';

    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => newJob({ memberGuid })));

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(
      outcomes
        .filter((o) => o.status === 'rejected')
        .every((o) => (o as PromiseRejectedResult).reason instanceof MemberBusyError),
    ).toBe(true);
  });

  it('frees the member when the job finishes, and takes over a lock left by a job that died', async () => {
    const finished = await newJob();
    await jobs.finishJob(finished.memberGuid, finished.jobGuid, { status: 'SUCCEEDED', now: at(5) });
    const crashed = await newJob({ lockSeconds: 10 });

    const next = await newJob({ memberGuid: finished.memberGuid, now: at(6) });
    const takeover = await newJob({ memberGuid: crashed.memberGuid, now: at(30) });

    expect(await jobs.getLock(finished.memberGuid)).toMatchObject({ job_guid: next.jobGuid });
    expect(await jobs.getLock(crashed.memberGuid)).toMatchObject({ job_guid: takeover.jobGuid });
  });

  it('records a status change once, however many polls see it', async () => {
    const job = await newJob();

    for (const second of [1, 2, 3])
      await jobs.recordProgress(job.memberGuid, job.jobGuid, {
        status: 'RUNNING',
        connectionStatus: 'CREATED',
        now: at(second),
      });
    await jobs.recordProgress(job.memberGuid, job.jobGuid, {
      status: 'RUNNING',
      connectionStatus: 'RESUMED',
      now: at(4),
    });

    const record = await jobs.getJob(job.memberGuid, job.jobGuid);
    expect(record?.history.map((h) => h.connection_status)).toEqual([null, 'CREATED', 'RESUMED']);
    expect(record?.updated_at).toBe(at(4).toISOString());
  });

  it('hands a parked job’s task token to one answer only', async () => {
    const job = await newJob();
    await jobs.parkForChallenge(job.memberGuid, job.jobGuid, {
      challenges: [{ guid: 'CRD-1', label: 'Code?', type: 'TEXT' }],
      taskToken: 'token-1',
      now: at(1),
    });
    const parked = await jobs.getJob(job.memberGuid, job.jobGuid);

    const claims = await Promise.all(
      Array.from({ length: 5 }, () =>
        jobs.claimChallenge({ memberGuid: job.memberGuid, jobGuid: job.jobGuid, userGuid: 'USR-1', now: at(2) }),
      ),
    );

    const resumed = await jobs.getJob(job.memberGuid, job.jobGuid);
    expect(parked).toMatchObject({ status: 'CHALLENGED', task_token: 'token-1', challenges: [{ guid: 'CRD-1' }] });
    expect(claims.filter((claim) => claim?.taskToken === 'token-1')).toHaveLength(1);
    expect(claims.filter((claim) => claim === undefined)).toHaveLength(4);
    expect(claims.find(Boolean)?.parkedAt).toBe(at(1).toISOString());
    expect(resumed?.status).toBe('RUNNING');
    expect(resumed?.task_token).toBeUndefined();
  });

  it('finishes a job once: a late step cannot reopen or rewrite it', async () => {
    const job = await newJob();
    await jobs.finishJob(job.memberGuid, job.jobGuid, {
      status: 'FAILED',
      reason: 'MFA_REJECTED',
      connectionStatus: 'REJECTED',
      now: at(3),
    });

    const again = await jobs.finishJob(job.memberGuid, job.jobGuid, { status: 'SUCCEEDED', now: at(4) });
    await jobs.recordProgress(job.memberGuid, job.jobGuid, {
      status: 'RUNNING',
      connectionStatus: 'RESUMED',
      now: at(5),
    });

    const record = await jobs.getJob(job.memberGuid, job.jobGuid);
    expect(again).toBe(false);
    expect(record).toMatchObject({
      status: 'FAILED',
      connection_status: 'REJECTED',
      finished_at: at(3).toISOString(),
      error: { code: 'MFA_REJECTED', message: expect.stringContaining('wrong') },
    });
  });
});

describe('ResultStore', () => {
  it('stores a page twice without duplicating a row, and pages through what it stored', async () => {
    const results = new ResultStore(table.doc, table.tableName);
    const page = Array.from({ length: 60 }, (_, i) => ({ guid: `TRN-${String(i).padStart(3, '0')}`, amount: i }));

    await results.putResults('MBR-results', 'transactions', 'JOB-1', page, at(0));
    await results.putResults('MBR-results', 'transactions', 'JOB-1', page, at(1));
    const first = await results.listResults<{ guid: string }>('MBR-results', 'transactions', { limit: 50 });
    const rest = await results.listResults<{ guid: string }>('MBR-results', 'transactions', {
      limit: 50,
      ...(first.lastKey ? { startKey: first.lastKey } : {}),
    });

    expect(first.items).toHaveLength(50);
    expect(rest.items).toHaveLength(10);
    expect(rest.lastKey).toBeUndefined();
    expect(new Set([...first.items, ...rest.items].map((t) => t.guid)).size).toBe(60);
  });

  it('refuses a page holding an item without a guid, storing none of it', async () => {
    const results = new ResultStore(table.doc, table.tableName);

    const failure = results.putResults('MBR-noguid', 'accounts', 'JOB-1', [{ guid: 'ACT-1' }, { guid: null }], at(0));

    await expect(failure).rejects.toThrow(/no guid/);
    expect((await results.listResults('MBR-noguid', 'accounts')).items).toEqual([]);
  });
});
