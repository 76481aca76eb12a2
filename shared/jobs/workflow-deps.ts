import type { MxClient } from '#shared/mx/index.js';
import type { JobStore } from '#shared/store/job-store.js';
import type { ResultStore } from '#shared/store/result-store.js';
import type { PollSchedule } from './poll-schedule.js';
import type { TaskTokens } from './task-tokens.js';

/** What the workflow steps work with; handlers build it once per container. */
export interface WorkflowDeps {
  readonly mx: MxClient;
  readonly jobs: JobStore;
  readonly results: ResultStore;
  readonly taskTokens: TaskTokens;
  readonly schedule: PollSchedule;
  /** MX calls in flight at once while fetching results (one stream per account). */
  readonly fetchConcurrency: number;
  readonly now: () => Date;
  /** Jitter of the waits after MX trouble, in [0, 1); Math.random unless a test fixes it. */
  readonly random?: () => number;
}
