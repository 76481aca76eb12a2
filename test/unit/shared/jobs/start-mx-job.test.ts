import type { MemberResponse } from 'mx-platform-node';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_POLL_SCHEDULE } from '#shared/jobs/poll-schedule.js';
import { startMxJob } from '#shared/jobs/start-mx-job.js';
import type { WorkflowDeps } from '#shared/jobs/workflow-deps.js';

const job = { jobGuid: 'JOB-1', userGuid: 'USR-1', memberGuid: 'MBR-1', jobType: 'verify' as const };

/** The MX client and job store a start talks to, in memory: the member as MX shows it. */
function fakeDeps(member: MemberResponse) {
  const startJob = vi.fn(async () => ({ member, httpStatus: 202, jobGuid: 'MXJ-1', alreadyRunning: true }));
  const recordMxJob = vi.fn(async () => undefined);
  const deps = {
    mx: { readMember: async () => member, startJob },
    jobs: { recordMxJob },
    schedule: DEFAULT_POLL_SCHEDULE,
    now: () => new Date('2026-12-01T00:00:00Z'),
  } as unknown as Pick<WorkflowDeps, 'mx' | 'jobs' | 'schedule' | 'now'>;
  return { deps, startJob, recordMxJob };
}

describe('startMxJob', () => {
  it('attaches to its own verification when a retried start finds it running and CHALLENGED at MX', async () => {
    const { deps, startJob, recordMxJob } = fakeDeps({ connection_status: 'CHALLENGED', is_being_aggregated: true, most_recent_job_guid: 'MXJ-1' });

    const progress = await startMxJob(deps, { job, observeOnly: false, includeTransactions: false });

    expect(progress.next).toBe('WAIT');
    expect(startJob).toHaveBeenCalledOnce();
    expect(recordMxJob).toHaveBeenCalledWith('MBR-1', 'JOB-1', 'MXJ-1', true, expect.any(Date), undefined);
  });

  it('ends the job without asking MX when the member sits in a status MX starts nothing from', async () => {
    const { deps, startJob } = fakeDeps({ connection_status: 'LOCKED', is_being_aggregated: false });

    const progress = await startMxJob(deps, { job, observeOnly: false, includeTransactions: false });

    expect(progress).toMatchObject({ next: 'FAIL', reason: 'ACCOUNT_LOCKED', connectionStatus: 'LOCKED' });
    expect(startJob).not.toHaveBeenCalled();
  });
});
