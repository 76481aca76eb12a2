import type { MxClient } from '#shared/mx/index.js';
import type { JobStore } from '#shared/store/job-store.js';
import type { ResultStore } from '#shared/store/result-store.js';
import type { TransactionSyncStore } from '#shared/store/transaction-sync-store.js';
import type { PollSchedule } from './poll-schedule.js';
import type { TaskTokens } from './task-tokens.js';

/** The MX calls the workflow steps (and the challenge answer) make; a test fake implements just these. */
export type WorkflowMx = Pick<
  MxClient,
  | 'readMember'
  | 'readMemberStatus'
  | 'startJob'
  | 'resumeMember'
  | 'listMemberAccounts'
  | 'listAccountNumbersByMember'
  | 'listAccountOwnersByMember'
  | 'listTransactionsByAccount'
>;

/** The job record changes the workflow makes. */
export type WorkflowJobStore = Pick<
  JobStore,
  | 'getJob'
  | 'recordMxJob'
  | 'recordProgress'
  | 'stageChallenges'
  | 'parkForChallenge'
  | 'claimChallenge'
  | 'releaseChallenge'
  | 'finishJob'
>;

/** Where FetchResults writes what it copies. */
export type WorkflowResultStore = Pick<
  ResultStore,
  'putResults' | 'publishResults' | 'deleteSuperseded' | 'publishedGeneration' | 'listResults'
>;

/** What the workflow steps work with; handlers build it once per container. */
export interface WorkflowDeps {
  readonly mx: WorkflowMx;
  readonly jobs: WorkflowJobStore;
  readonly results: WorkflowResultStore;
  /** Keeps transactions current by MX's changes after the first copy; without it every aggregation copies whole. */
  readonly sync?: TransactionSyncStore;
  readonly taskTokens: TaskTokens;
  readonly schedule: PollSchedule;
  /** MX calls in flight at once while fetching results (one stream per account). */
  readonly fetchConcurrency: number;
  /**
   * How long a parked round of challenges waits for its answer (the state machine's task timeout);
   * DEFAULT_JOB_TIME_BUDGET's when the runtime does not say.
   */
  readonly challengeTimeoutSeconds?: number;
  /** A synced member is due for the scheduled refresh once its data is this old; DEFAULT_REFRESH_AFTER_SECONDS's otherwise. */
  readonly refreshAfterSeconds?: number;
  readonly now: () => Date;
  /** Jitter of the waits after MX trouble, in [0, 1); Math.random unless a test fixes it. */
  readonly random?: () => number;
}
