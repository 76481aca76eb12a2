/**
 * The workflow contract: the facts the state machines, their task functions, the API, the CLI,
 * the local emulation and the tests all rely on, each spelled out once. Plain data and types
 * only (no zod, no SDK, no CDK), so every side can import it without growing its bundle.
 */

/** The MX jobs mxflow runs; each has its own state machine, from one factory. */
/** `history`: MX's extended transaction history (up to 24 months), then a sync of what it added. */
export const JOB_TYPES = ['aggregate', 'verify', 'identify', 'history'] as const;
export type JobType = (typeof JOB_TYPES)[number];

/** A job's status as its record and the API show it. */
export const JOB_STATUSES = [
  'RUNNING',
  'CHALLENGED',
  'ACTION_REQUIRED',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'CANCELLED',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** The statuses a job ends in; no step changes a job once it holds one. CANCELLED: by the caller or a deletion. */
export const TERMINAL_JOB_STATUSES = [
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'CANCELLED',
] as const satisfies readonly JobStatus[];
export type TerminalJobStatus = (typeof TERMINAL_JOB_STATUSES)[number];
export const isTerminal = (status: string): status is TerminalJobStatus =>
  (TERMINAL_JOB_STATUSES as readonly string[]).includes(status);

/**
 * What the workflow does next (`$.progress.next`), which RouteByStatus routes on. The poll step
 * sets the first five from MX's status; the other steps set the rest: after MX's 429 to a job
 * start or a results copy (wait as MX asked, then run that step again), and once the results are in.
 */
export const NEXT_STEPS = [
  'WAIT',
  'AWAIT_CHALLENGE_ANSWER',
  'AWAIT_OAUTH',
  'FETCH_RESULTS',
  'FAIL',
  'RETRY_START',
  'RETRY_FETCH',
  'RECORD_SUCCESS',
] as const;
export type NextStepValue = (typeof NEXT_STEPS)[number];

/** The states of every job state machine, as the Step Functions console shows them. */
export const WORKFLOW_STATES = {
  startMxJob: 'StartMxJob',
  routeByStatus: 'RouteByStatus',
  waitBeforePoll: 'WaitBeforePoll',
  /** With MX's webhooks on: MX's floor before the wait a webhook can end. */
  waitBeforeWebhook: 'WaitBeforeWebhook',
  awaitMemberWebhook: 'AwaitMemberWebhook',
  pollMemberStatus: 'PollMemberStatus',
  parkForChallenge: 'ParkForChallenge',
  fetchResults: 'FetchResults',
  waitBeforeRetryStart: 'WaitBeforeRetryStart',
  waitBeforeRetryFetch: 'WaitBeforeRetryFetch',
  recordSuccess: 'RecordSuccess',
  resultsLeftToDelete: 'ResultsLeftToDelete',
  deleteSupersededResults: 'DeleteSupersededResults',
  recordFailure: 'RecordFailure',
  jobSucceeded: 'JobSucceeded',
  jobFailed: 'JobFailed',
} as const;
export type WorkflowStateName = (typeof WORKFLOW_STATES)[keyof typeof WORKFLOW_STATES];

/** What starts an execution: references and switches only, since the console shows it all. */
export interface ExecutionInput {
  readonly jobGuid: string;
  readonly userGuid: string;
  readonly memberGuid: string;
  /** Follow the aggregation MX started by itself (member creation) instead of starting one. */
  readonly observeOnly: boolean;
  readonly includeTransactions: boolean;
  /** An OAuth member's DENIED means the end user refused the consent. */
  readonly isOauth: boolean;
  /**
   * No end user is there (a scheduled refresh): a challenge or an OAuth window ends the job
   * instead of waiting, and the member's status says what its end user must do.
   */
  readonly unattended: boolean;
}

/** Execution ends the state machine cannot record itself (a limit, a crash, an operator): an EventBridge rule. */
export const STOPPED_EXECUTION_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type StoppedExecutionStatus = (typeof STOPPED_EXECUTION_STATUSES)[number];

/** The environment variables mxflow's functions read; CDK and the local stack set them. */
export const ENV = {
  tableName: 'TABLE_NAME',
  mxSecretId: 'MX_SECRET_ID',
  /** Overrides the base URL stored in the secret (the CDK stack sets it per MX environment). */
  mxBaseUrl: 'MX_BASE_URL',
  mxDialect: 'MX_DIALECT',
  /** One MX call's time limit in the workflow functions. */
  mxTimeoutMs: 'MX_TIMEOUT_MS',
  pollIntervalSeconds: 'POLL_INTERVAL_SECONDS',
  pollBackoffAfterPolls: 'POLL_BACKOFF_AFTER_POLLS',
  pollBackoffRate: 'POLL_BACKOFF_RATE',
  pollMaxIntervalSeconds: 'POLL_MAX_INTERVAL_SECONDS',
  pollMaxCount: 'POLL_MAX_COUNT',
  oauthTimeoutSeconds: 'OAUTH_TIMEOUT_SECONDS',
  fetchConcurrency: 'FETCH_CONCURRENCY',
  /** FetchResults' work bound per invocation: seconds of copying before it hands back a cursor. */
  copyStepSeconds: 'COPY_STEP_SECONDS',
  /** FetchResults' work bound per invocation: MX pages copied before it hands back a cursor. */
  copyStepPages: 'COPY_STEP_PAGES',
  /** RecordSuccess's time for deleting the results its job replaced, in ms, before it hands the rest on. */
  resultsCleanupMs: 'RESULTS_CLEANUP_MS',
  /** The API's: how long a member stays locked if its job dies without freeing it. */
  jobLockSeconds: 'JOB_LOCK_SECONDS',
  /** Where signed callbacks go (`-c callbackUrl=`), and the secret that signs them (`{signing_key}`). */
  callbackUrl: 'CALLBACK_URL',
  callbackSecretId: 'CALLBACK_SECRET_ID',
  /** mxflow's EventBridge bus, where the event publisher puts job and member events. */
  eventBusName: 'EVENT_BUS_NAME',
  /** The secret holding the HTTP Basic credentials MX's webhooks carry (`{username, password}`). */
  mxWebhookSecretId: 'MX_WEBHOOK_SECRET_ID',
  /** The API's paging functions': the secret whose key seals page and sync cursors (`{key, previous_key?}`). */
  cursorSecretId: 'CURSOR_SECRET_ID',
  /** The API's: app schemes a `client_redirect_url` may use besides https, comma-separated (`myapp,otherapp`). */
  clientRedirectSchemes: 'CLIENT_REDIRECT_SCHEMES',
  /** The API's: one MX call's time limit inside a request. */
  apiMxTimeoutMs: 'API_MX_TIMEOUT_MS',
  /** How long a parked challenge waits for its answer (the ParkForChallenge task's timeout). */
  challengeTimeoutSeconds: 'CHALLENGE_TIMEOUT_SECONDS',
  /** The reconciler's: how long a job may go without an update before its execution is looked up. */
  reconcileAfterSeconds: 'RECONCILE_AFTER_SECONDS',
  /** A member's data is refreshed by the schedule once it is this old (24 h by default). */
  refreshAfterSeconds: 'REFRESH_AFTER_SECONDS',
  /** The schedule's MX budget: aggregations it starts in one run, at most. */
  refreshBatchLimit: 'REFRESH_BATCH_LIMIT',
  /** The KMS key that wraps the data keys of encrypted result fields (FetchResults encrypts, the results API decrypts). */
  fieldKeyArn: 'FIELD_KEY_ARN',
  /** Off AWS: a file of 32 random bytes, the AES key that wraps those data keys in place of KMS (the local stack's). */
  fieldKeyFile: 'FIELD_KEY_FILE',
  /** The deletion workflow's state machine, started by the API's user and member deletions. */
  deletionStateMachineArn: 'DELETION_STATE_MACHINE_ARN',
  /** Days a finished job's record is kept (its TTL); unset: kept until its member is deleted. */
  jobRetentionDays: 'JOB_RETENTION_DAYS',
  /** Days verification and identification results are kept after their copy; unset: until deleted. */
  resultRetentionDays: 'RESULT_RETENTION_DAYS',
} as const;

/**
 * One FetchResults invocation's work: it stops asking MX for pages after this long or this many
 * pages and hands back a cursor, so no invocation copies a whole member. 50 s, so that with the
 * pages asked just before the bound still landing (one per account stream) a step stays within
 * about a minute, and far inside the function's time-out below.
 */
export const COPY_STEP_BOUND = { seconds: 50, pages: 100 } as const;

/**
 * One DeleteSupersededResults invocation's work: it deletes the rows of results a job replaced
 * for this long, then hands back what is left (RecordSuccess deletes for 5 s itself first).
 */
export const CLEANUP_STEP_SECONDS = 20;

/** The API's variable holding each job type's state machine ARN. */
export const STATE_MACHINE_ARN_ENV = {
  aggregate: 'AGGREGATE_STATE_MACHINE_ARN',
  verify: 'VERIFY_STATE_MACHINE_ARN',
  identify: 'IDENTIFY_STATE_MACHINE_ARN',
  history: 'HISTORY_STATE_MACHINE_ARN',
} as const satisfies { [T in JobType]: `${Uppercase<T>}_STATE_MACHINE_ARN` };

/** One Lambda of the workflow: the source it runs, its size, and whether it talks to MX. */
export interface WorkflowFunctionSpec {
  readonly id: string;
  readonly entry: string;
  /**
   * Whether it talks to MX: only those may read the MX secret, and only those run behind the
   * static egress IPs MX allow-lists.
   */
  readonly callsMx: boolean;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
}

/** A task Lambda of the job state machines: the one state it runs is named like its id and file. */
export interface WorkflowTaskFunctionSpec extends WorkflowFunctionSpec {
  readonly state: WorkflowStateName;
}

/** A task Lambda's row: `functions/workflow/<file>.ts`, 256 MB and 30 s unless it says otherwise. */
function task<const Id extends string, const File extends string, const State extends WorkflowStateName>(
  id: Id,
  file: File,
  state: State,
  size: { readonly callsMx: boolean; readonly memoryMb?: number; readonly timeoutSeconds?: number },
) {
  return {
    id,
    entry: `functions/workflow/${file}.ts` as const,
    state,
    callsMx: size.callsMx,
    memoryMb: size.memoryMb ?? 256,
    timeoutSeconds: size.timeoutSeconds ?? 30,
  } satisfies WorkflowTaskFunctionSpec;
}

/**
 * The task Lambdas of the job state machines, each named for the one state it runs and its
 * file. CDK bundles from this table and the local runtime maps states to handlers from it,
 * so the two cannot drift.
 */
export const WORKFLOW_FUNCTIONS = [
  task('StartMxJobFunction', 'start-mx-job', WORKFLOW_STATES.startMxJob, { callsMx: true }),
  task('PollMemberStatusFunction', 'poll-member-status', WORKFLOW_STATES.pollMemberStatus, { callsMx: true }),
  task('ParkForChallengeFunction', 'park-for-challenge', WORKFLOW_STATES.parkForChallenge, { callsMx: false }),
  // Only in the state machines of a stack that receives MX's webhooks.
  task('AwaitMemberWebhookFunction', 'await-member-webhook', WORKFLOW_STATES.awaitMemberWebhook, { callsMx: false }),
  // Copies in bounded steps (COPY_STEP_BOUND): 3× the work bound leaves room for the last
  // pages in flight and their retries; one page per account stream in memory.
  task('FetchResultsFunction', 'fetch-results', WORKFLOW_STATES.fetchResults, {
    callsMx: true,
    memoryMb: 512,
    timeoutSeconds: 3 * COPY_STEP_BOUND.seconds,
  }),
  task('RecordSuccessFunction', 'record-success', WORKFLOW_STATES.recordSuccess, { callsMx: false }),
  task('RecordFailureFunction', 'record-failure', WORKFLOW_STATES.recordFailure, { callsMx: false }),
  // 3× the work bound, as for the copy: a batch in flight at the bound and its retries.
  task('DeleteSupersededResultsFunction', 'delete-superseded-results', WORKFLOW_STATES.deleteSupersededResults, {
    callsMx: false,
    timeoutSeconds: 3 * CLEANUP_STEP_SECONDS,
  }),
] as const;

export type WorkflowFunctionId = (typeof WORKFLOW_FUNCTIONS)[number]['id'];

/** Ends the job of an execution that stopped on its own (the EventBridge rule on STOPPED_EXECUTION_STATUSES). */
export const EXECUTION_ENDED_FUNCTION = {
  id: 'ExecutionEndedFunction',
  entry: 'functions/events/execution-ended.ts',
  callsMx: false,
  memoryMb: 256,
  timeoutSeconds: 30,
} as const satisfies WorkflowFunctionSpec;

/**
 * Ends the jobs whose execution ended, never started or is gone while their record still says
 * RUNNING or CHALLENGED (a lost end event, a crash between the job record and StartExecution);
 * run on a schedule.
 */
export const RECONCILE_JOBS_FUNCTION = {
  id: 'ReconcileJobsFunction',
  entry: 'functions/events/reconcile-jobs.ts',
  callsMx: false,
  memoryMb: 256,
  timeoutSeconds: 60,
} as const satisfies WorkflowFunctionSpec;

/** Starts the scheduled refreshes: unattended aggregations of the members whose data is due. */
export const REFRESH_MEMBERS_FUNCTION = {
  id: 'RefreshMembersFunction',
  entry: 'functions/events/refresh-members.ts',
  callsMx: false,
  memoryMb: 256,
  timeoutSeconds: 60,
} as const satisfies WorkflowFunctionSpec;

/**
 * Acts on MX's webhooks from the inbox (the table's stream, filtered to inbox items): wakes the
 * member's waiting job, or reads and keeps the member's status when no job runs.
 */
export const PROCESS_MX_WEBHOOKS_FUNCTION = {
  id: 'ProcessMxWebhooksFunction',
  entry: 'functions/events/process-mx-webhooks.ts',
  callsMx: true,
  memoryMb: 256,
  timeoutSeconds: 60,
} as const satisfies WorkflowFunctionSpec;

/** Publishes mxflow's events: the table's stream, filtered to job and member items, onto its bus. */
export const PUBLISH_EVENTS_FUNCTION = {
  id: 'PublishEventsFunction',
  entry: 'functions/events/publish-events.ts',
  callsMx: false,
  memoryMb: 256,
  timeoutSeconds: 60,
} as const satisfies WorkflowFunctionSpec;

/** Signs and POSTs each event to the fintech's callback URL: the bus rule's target, when the stack has one. */
export const DELIVER_CALLBACK_FUNCTION = {
  id: 'DeliverCallbackFunction',
  entry: 'functions/events/deliver-callback.ts',
  callsMx: false,
  memoryMb: 256,
  timeoutSeconds: 30,
} as const satisfies WorkflowFunctionSpec;

/** How often the reconciler runs: EventBridge Scheduler on AWS, a timer in the local stack. */
export const RECONCILE_EVERY_SECONDS = 5 * 60;

/** How often the scheduled refresh looks for members whose data is due (REFRESH_BATCH_LIMIT a run at most). */
export const REFRESH_EVERY_SECONDS = 5 * 60;

/** The states of the deletion workflow, as the Step Functions console shows them. */
export const DELETION_STATES = {
  prepareDeletion: 'PrepareDeletion',
  drainStoppedSteps: 'DrainStoppedSteps',
  deleteAtMx: 'DeleteAtMx',
  purgeItems: 'PurgeItems',
  purged: 'Purged?',
  recordDeletionFailure: 'RecordDeletionFailure',
  deletionSucceeded: 'DeletionSucceeded',
  deletionFailed: 'DeletionFailed',
} as const;
export type DeletionStateName = (typeof DELETION_STATES)[keyof typeof DELETION_STATES];

/** A deletion's status as its record and the API show it. */
export const DELETION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED'] as const;
export type DeletionStatus = (typeof DELETION_STATUSES)[number];

/** What starts a deletion execution (named by the deletion guid): the record holds the rest, guids only. */
export interface DeletionInput {
  readonly deletionGuid: string;
}

/** A task Lambda of the deletion workflow: `functions/deletion/<file>.ts`, 256 MB and 60 s. */
function deletionTask<const Id extends string, const File extends string, const State extends DeletionStateName>(
  id: Id,
  file: File,
  state: State,
  callsMx: boolean,
) {
  return { id, entry: `functions/deletion/${file}.ts` as const, state, callsMx, memoryMb: 256, timeoutSeconds: 60 };
}

/**
 * The task Lambdas of the deletion workflow (DELETE of a user or a member): CDK bundles them from
 * this table and the local runtime maps the states to their handlers from it, as for the jobs.
 */
export const DELETION_FUNCTIONS = [
  deletionTask('PrepareDeletionFunction', 'prepare-deletion', DELETION_STATES.prepareDeletion, false),
  deletionTask('DeleteAtMxFunction', 'delete-at-mx', DELETION_STATES.deleteAtMx, true),
  deletionTask('PurgeItemsFunction', 'purge-items', DELETION_STATES.purgeItems, false),
  deletionTask(
    'RecordDeletionFailureFunction',
    'record-deletion-failure',
    DELETION_STATES.recordDeletionFailure,
    false,
  ),
] as const;
export type DeletionFunctionId = (typeof DELETION_FUNCTIONS)[number]['id'];

/**
 * How long a deletion waits after stopping its member's running job before it purges: a stopped
 * execution's task already running finishes (or hits its time-out) within this, so no step of it
 * writes after the purge.
 */
export const DELETION_DRAIN_SECONDS = Math.max(...WORKFLOW_FUNCTIONS.map((f) => f.timeoutSeconds)) + 10;

/** One PurgeItems invocation's work: it deletes for this long, then hands back to the loop. */
export const PURGE_STEP_SECONDS = 20;
