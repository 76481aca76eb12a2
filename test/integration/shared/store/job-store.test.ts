import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChallengesTooLarge, MAX_CHALLENGE_ROUND_CHARS } from '#shared/store/challenge-items.js';
import { newJobGuid } from '#shared/store/job-record.js';
import { JobStore, MemberBusyError } from '#shared/store/job-store.js';
import { keys } from '#shared/store/keys.js';
import { countingPrefixReads, type FreshTable, freshTable } from '#test/support/dynamodb.js';
import { storedChallengeToken } from '#test/support/task-token-items.js';

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

  it('hands a fresh OAuth window only to a job waiting for one, counting each (what restarts its OAuth deadline)', async () => {
    const job = await newJob();
    const renew = (uri: string, second: number) =>
      jobs.renewOAuthWindow(job.memberGuid, job.jobGuid, { oauthWindowUri: uri, now: at(second) });
    const whileRunning = await renew('https://mx.example/oauth/0', 1);
    await jobs.recordProgress(job.memberGuid, job.jobGuid, {
      status: 'ACTION_REQUIRED',
      connectionStatus: 'PENDING',
      oauthWindowUri: 'https://mx.example/oauth/1',
      now: at(2),
    });

    const renewed = [await renew('https://mx.example/oauth/2', 3), await renew('https://mx.example/oauth/3', 4)];
    const record = await jobs.getJob(job.memberGuid, job.jobGuid);

    expect(whileRunning).toBe(false);
    expect(renewed).toEqual([true, true]);
    expect(record).toMatchObject({ oauth_window_uri: 'https://mx.example/oauth/3', oauth_windows_renewed: 2 });
  });

  it('hands a parked job’s task token to one answer only', async () => {
    const job = await newJob();
    await jobs.parkForChallenge(job.memberGuid, job.jobGuid, {
      challenges: [{ guid: 'CRD-1', label: 'Code?', type: 'TEXT' }],
      taskToken: 'token-1',
      now: at(1),
    });
    const parked = await jobs.getJob(job.memberGuid, job.jobGuid);
    const tokenWhenParked = await storedChallengeToken(table, job.memberGuid, job.jobGuid);

    const claims = await Promise.all(
      Array.from({ length: 5 }, () =>
        jobs.claimChallenge({ memberGuid: job.memberGuid, jobGuid: job.jobGuid, userGuid: 'USR-1', now: at(2) }),
      ),
    );

    const resumed = await jobs.getJob(job.memberGuid, job.jobGuid);
    expect(parked).toMatchObject({ status: 'CHALLENGED', challenges: [{ guid: 'CRD-1' }] });
    expect(parked).not.toHaveProperty('task_token');
    expect(tokenWhenParked).toBe('token-1');
    expect(claims.filter((claim) => claim?.taskToken === 'token-1')).toHaveLength(1);
    expect(claims.filter((claim) => claim === undefined)).toHaveLength(4);
    expect(claims.find(Boolean)?.parkedAt).toBe(at(1).toISOString());
    expect(resumed?.status).toBe('RUNNING');
    expect(await storedChallengeToken(table, job.memberGuid, job.jobGuid)).toBeUndefined();
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

  it('keeps an ended job for the retention it is given (its TTL), and a running one without any', async () => {
    const kept = new JobStore(table.doc, table.tableName, undefined, 90);
    const job = await newJob();
    const running = await kept.getJob(job.memberGuid, job.jobGuid);

    await kept.finishJob(job.memberGuid, job.jobGuid, { status: 'CANCELLED', reason: 'CANCELLED', now: at(10) });

    const { Items = [] } = await table.doc.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': `MEMBER#${job.memberGuid}`, ':sk': `JOB#${job.jobGuid}` },
      }),
    );
    expect(running).not.toHaveProperty('expires_at');
    expect(Items[0]).toMatchObject({
      status: 'CANCELLED',
      expires_at: Math.floor(at(10).getTime() / 1000) + 90 * 86_400,
    });
  });
});

describe('JobStore challenge expiry', () => {
  it('refuses to hand out a parked job’s task token once its wait has run out', async () => {
    const job = await newJob();
    await jobs.parkForChallenge(job.memberGuid, job.jobGuid, {
      challenges: [{ guid: 'CRD-1', label: 'Code?', type: 'TEXT' }],
      taskToken: 'token-late',
      expiresAt: at(11),
      now: at(1),
    });

    const late = await jobs.claimChallenge({
      memberGuid: job.memberGuid,
      jobGuid: job.jobGuid,
      userGuid: 'USR-1',
      now: at(11),
    });

    expect(late).toBeUndefined();
    expect(await jobs.getJob(job.memberGuid, job.jobGuid)).toMatchObject({
      status: 'CHALLENGED',
      challenge_expires_at: at(11).toISOString(),
    });
    expect(await storedChallengeToken(table, job.memberGuid, job.jobGuid)).toBe('token-late');
  });
});

describe('JobStore with challenges past DynamoDB’s 400 KB item limit', () => {
  // About 600 KB of base64, as a bank's image challenge could be: a job item holding it is refused.
  const image = {
    guid: 'CRD-image',
    label: 'Which picture did you choose?',
    type: 'IMAGE_DATA',
    image_data: `data:image/png;base64,${'iVBORw0KGgo'.repeat(56_000)}`,
  } as const;
  const textChallenge = { guid: 'CRD-text', label: 'Code?', type: 'TEXT' } as const;

  it('shows a big image challenge whole while CHALLENGED, hands it to the answer, and keeps none after the end', async () => {
    const job = await newJob();
    await jobs.stageChallenges(job.memberGuid, job.jobGuid, { challenges: [image, textChallenge], now: at(1) });
    await jobs.parkForChallenge(job.memberGuid, job.jobGuid, { taskToken: 'token-big', now: at(2) });

    const parked = await jobs.getJob(job.memberGuid, job.jobGuid);
    const listed = (await jobs.listJobs(job.memberGuid)).items;
    const claim = await jobs.claimChallenge({ ...job, userGuid: 'USR-1', now: at(3) });
    await jobs.releaseChallenge(job.memberGuid, job.jobGuid, {
      challenges: claim?.challenges ?? [],
      taskToken: 'token-big',
      now: at(4),
    });
    const released = await jobs.getJob(job.memberGuid, job.jobGuid);
    await jobs.finishJob(job.memberGuid, job.jobGuid, { status: 'FAILED', reason: 'CHALLENGE_EXPIRED', now: at(5) });
    const ended = await jobs.getJob(job.memberGuid, job.jobGuid);
    const leftOver = await table.doc.send(
      new QueryCommand({
        TableName: table.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `MEMBER#${job.memberGuid}`, ':prefix': 'CHALLENGE#' },
      }),
    );

    expect(parked?.challenges).toEqual([image, textChallenge]);
    expect(listed).toHaveLength(1);
    expect(listed[0]?.challenges).toEqual([image, textChallenge]);
    expect(claim?.challenges).toEqual([image, textChallenge]);
    expect(released).toMatchObject({ status: 'CHALLENGED', challenges: [image, textChallenge] });
    expect(ended?.challenges).toBeUndefined();
    expect(ended).not.toHaveProperty('challenges_ref');
    expect(leftOver.Items).toEqual([]);
  });

  it('looks for challenge chunks at the end only of a job that ended parked: one answered left none', async () => {
    const { doc: counted, reads: chunkReads } = countingPrefixReads(table.client, 'CHALLENGE#');
    const store = new JobStore(counted, table.tableName);
    const [never, answered, parked] = [await newJob(), await newJob(), await newJob()];
    const chunksOf = (job: { memberGuid: string; jobGuid: string }) =>
      keys.challengeChunksOfJob(job.memberGuid, job.jobGuid);
    for (const job of [answered, parked]) {
      await store.stageChallenges(job.memberGuid, job.jobGuid, { challenges: [textChallenge], now: at(1) });
      await store.parkForChallenge(job.memberGuid, job.jobGuid, { taskToken: `token-${job.jobGuid}`, now: at(2) });
    }
    await store.claimChallenge({ ...answered, userGuid: 'USR-1', now: at(3) });
    const beforeEnds = chunkReads.length;

    for (const job of [never, answered, parked])
      await store.finishJob(job.memberGuid, job.jobGuid, { status: 'SUCCEEDED', now: at(4) });
    const endsRead = chunkReads.slice(beforeEnds);
    // A retried end (its first try's delete failed) finds the job ended: it sweeps again.
    const again = await store.finishJob(never.memberGuid, never.jobGuid, { status: 'SUCCEEDED', now: at(5) });

    expect(endsRead).toEqual([chunksOf(parked).skPrefix]);
    expect(again).toBe(false);
    expect(chunkReads.at(-1)).toBe(chunksOf(never).skPrefix);
    for (const job of [never, answered, parked]) {
      const { pk, skPrefix } = chunksOf(job);
      const left = await table.doc.send(
        new QueryCommand({
          TableName: table.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': skPrefix },
        }),
      );
      expect(left.Items).toEqual([]);
    }
  });

  it('refuses a round of absurd size with ChallengesTooLarge, leaving the job as it was', async () => {
    const job = await newJob();
    const absurd = { ...image, image_data: 'A'.repeat(MAX_CHALLENGE_ROUND_CHARS + 1) };

    const failure = await jobs
      .stageChallenges(job.memberGuid, job.jobGuid, { challenges: [absurd], now: at(1) })
      .catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ChallengesTooLarge);
    expect(await jobs.getJob(job.memberGuid, job.jobGuid)).toMatchObject({ status: 'RUNNING' });
  });
});

describe('JobStore.listActiveJobs', () => {
  let indexed: FreshTable;
  let store: JobStore;
  beforeAll(async () => {
    indexed = await freshTable('active-jobs');
    store = new JobStore(indexed.doc, indexed.tableName);
  });
  afterAll(() => indexed.client.destroy());

  const start = (n: number, second: number) =>
    store.createJob({
      jobGuid: `JOB-A${String(n).padStart(3, '0')}`,
      type: 'aggregate',
      userGuid: 'USR-1',
      memberGuid: `MBR-A${n}`,
      now: at(second),
      lockSeconds: 3600,
    });

  it('lists the references of the running and challenged jobs started before a time, from every shard, never an ended one', async () => {
    for (let n = 0; n < 24; n += 1) await start(n, n);
    await store.parkForChallenge('MBR-A1', 'JOB-A001', {
      challenges: [{ guid: 'CRD-1', label: 'Code?', type: 'TEXT' }],
      taskToken: 'token-a1',
      now: at(30),
    });
    await store.finishJob('MBR-A2', 'JOB-A002', { status: 'SUCCEEDED', now: at(31) });

    const active = await store.listActiveJobs({ startedBefore: at(20), limit: 100 });
    const capped = await store.listActiveJobs({ startedBefore: at(20), limit: 5 });

    const guids = active.map((job) => job.job_guid).sort();
    const expected = Array.from({ length: 20 }, (_, n) => `JOB-A${String(n).padStart(3, '0')}`).filter(
      (guid) => guid !== 'JOB-A002',
    );
    expect(guids).toEqual(expected);
    expect(active.find((job) => job.job_guid === 'JOB-A001')).toEqual({ job_guid: 'JOB-A001', member_guid: 'MBR-A1' });
    expect(Object.keys(active[0] ?? {}).sort()).toEqual(['job_guid', 'member_guid']);
    expect(capped).toHaveLength(5);
  });

  it('finds an active job by its guid alone, as an execution names it, and no longer once it ended', async () => {
    const started = new Date('2026-12-01T10:00:00.000Z');
    const jobGuid = newJobGuid(started);
    await store.createJob({
      jobGuid,
      type: 'verify',
      userGuid: 'USR-1',
      memberGuid: 'MBR-F1',
      now: started,
      lockSeconds: 60,
    });

    const found = await store.findActiveJob(jobGuid);
    await store.finishJob('MBR-F1', jobGuid, { status: 'SUCCEEDED', now: new Date(started.getTime() + 1000) });
    const afterEnd = await store.findActiveJob(jobGuid);

    expect(found).toMatchObject({ job_guid: jobGuid, member_guid: 'MBR-F1', status: 'RUNNING' });
    expect(afterEnd).toBeUndefined();
    expect(await store.findActiveJob('JOB-A001')).toBeUndefined();
  });
});
