import type { JobType } from '#shared/contract/workflow.js';
import { DEFAULT_POLL_SCHEDULE, type PollSchedule } from '#shared/jobs/poll-schedule.js';
import type { WorkflowDeps } from '#shared/jobs/workflow-deps.js';
import type { JobRef } from '#shared/store/job-record.js';
import { InMemoryJobStore } from './job-store.js';
import { FakeMx } from './mx.js';
import { InMemoryResultStore } from './result-store.js';
import { FakeTaskTokens } from './task-tokens.js';

export interface FakeWorkflow {
  readonly deps: WorkflowDeps;
  readonly mx: FakeMx;
  readonly jobs: InMemoryJobStore;
  readonly results: InMemoryResultStore;
  readonly taskTokens: FakeTaskTokens;
  /** The job the steps work for, already RUNNING in the job store. */
  readonly job: JobRef;
  /** Moves the fake clock on. */
  advance(seconds: number): void;
}

/**
 * Everything a workflow step is handed, in memory: a fixed clock, a fixed jitter (0: the
 * waits are their floors) and one RUNNING job of `jobType`.
 */
export function fakeWorkflow(
  options: { jobType?: JobType; isOauth?: boolean; schedule?: Partial<PollSchedule>; random?: () => number } = {},
): FakeWorkflow {
  const mx = new FakeMx();
  const jobs = new InMemoryJobStore();
  const results = new InMemoryResultStore();
  const taskTokens = new FakeTaskTokens();
  let clock = Date.parse('2026-12-01T00:00:00Z');
  const job: JobRef = {
    jobGuid: 'JOB-1',
    userGuid: 'USR-1',
    memberGuid: 'MBR-1',
    jobType: options.jobType ?? 'aggregate',
    ...(options.isOauth === undefined ? {} : { isOauth: options.isOauth }),
  };
  jobs.add({ jobGuid: job.jobGuid, userGuid: job.userGuid, memberGuid: job.memberGuid, type: job.jobType });
  const deps: WorkflowDeps = {
    mx,
    jobs,
    results,
    taskTokens,
    schedule: { ...DEFAULT_POLL_SCHEDULE, ...options.schedule },
    fetchConcurrency: 2,
    challengeTimeoutSeconds: 600,
    now: () => new Date(clock),
    random: options.random ?? (() => 0),
  };
  return { deps, mx, jobs, results, taskTokens, job, advance };
  function advance(seconds: number): void {
    clock += seconds * 1000;
  }
}
