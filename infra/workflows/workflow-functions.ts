/**
 * The workflow's task Lambdas: which source file each runs and which states of the job state
 * machines invoke it. CDK bundles from this table and the local runtime maps states to
 * handlers from it, so the two cannot drift. `callsMx` says whether it talks to MX: only those
 * may read the MX secret, and only those run behind the static egress IPs MX allow-lists.
 */
export const WORKFLOW_FUNCTIONS = [
  { id: 'StartMxJobFunction', entry: 'functions/workflow/start-mx-job.ts', states: ['StartMxJob'], callsMx: true, memoryMb: 256, timeoutSeconds: 30 },
  { id: 'PollMemberStatusFunction', entry: 'functions/workflow/poll-member-status.ts', states: ['PollMemberStatus'], callsMx: true, memoryMb: 256, timeoutSeconds: 30 },
  { id: 'ParkForChallengeFunction', entry: 'functions/workflow/park-for-challenge.ts', states: ['AwaitChallengeAnswer'], callsMx: false, memoryMb: 256, timeoutSeconds: 30 },
  // Streams pages of up to 1,000 transactions per account: more memory, more time.
  { id: 'FetchResultsFunction', entry: 'functions/workflow/fetch-results.ts', states: ['FetchResults'], callsMx: true, memoryMb: 1024, timeoutSeconds: 900 },
  { id: 'FinishJobFunction', entry: 'functions/workflow/finish-job.ts', states: ['RecordSuccess', 'RecordFailure'], callsMx: false, memoryMb: 256, timeoutSeconds: 30 },
] as const;

export type WorkflowFunctionId = (typeof WORKFLOW_FUNCTIONS)[number]['id'];

/** Ends the job of an execution that stopped on its own (EventBridge rule on execution status). */
export const EXECUTION_ENDED_FUNCTION = { id: 'ExecutionEndedFunction', entry: 'functions/events/execution-ended.ts', callsMx: false, memoryMb: 256, timeoutSeconds: 30 } as const;
