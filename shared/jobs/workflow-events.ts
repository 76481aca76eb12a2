import { JOB_TYPES, NEXT_STEPS } from '#shared/contract/workflow.js';
import * as z from '#shared/runtime/zod.js';
import { RESULT_KINDS, type ResultKind } from '#shared/store/keys.js';
import { FAILURE_REASONS, type FailureReason } from './failure-reasons.js';

const id = z.string().check(z.minLength(1));
const count = z.number().check(z.int(), z.gte(0));

/** What each workflow task receives from the state machine; checked on the way in. */
export const JobRefSchema = z.object({
  jobGuid: id,
  userGuid: id,
  memberGuid: id,
  jobType: z.enum(JOB_TYPES),
  isOauth: z.optional(z.boolean()),
  unattended: z.optional(z.boolean()),
});

const reasonSchema = z.enum(Object.keys(FAILURE_REASONS) as [FailureReason, ...FailureReason[]]);

const page = z.number().check(z.int(), z.gte(0));

/** FetchResults' cursor between steps (CopyCursor): guids and page numbers only. */
const CopyCursorSchema = z.object({
  pages: z.object({
    accounts: z.optional(page),
    account_numbers: z.optional(page),
    account_owners: z.optional(page),
  }),
  accountGuids: z.array(id),
  transactionPages: z.array(page),
});

const day = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/));
/** How an aggregation stores transactions (TransactionSync). */
const TransactionSyncSchema = z.union([
  z.object({ mode: z.literal('full'), startedOn: day }),
  z.object({
    mode: z.literal('changes'),
    startedOn: day,
    generation: id,
    fromUpdatedAt: day,
    newAccounts: z.optional(z.array(id)),
    accountsChecked: z.boolean(),
    pendingChecked: z.boolean(),
  }),
]);

export const ProgressSchema = z.object({
  next: z.enum(NEXT_STEPS),
  reason: z.nullable(reasonSchema),
  connectionStatus: z.nullable(z.string()),
  pollCount: count,
  waitSeconds: count,
  pendingSeconds: z.number().check(z.gte(0)),
  oauthWindowsRenewed: z.optional(count),
  retryWaits: z._default(count, 0),
  polledAt: z.optional(count),
  // What FetchResults copied so far (its next step goes on from `copy`).
  counts: z.optional(z.record(z.string(), z.union([count, z.boolean()]))),
  copy: z.optional(CopyCursorSchema),
  sync: z.optional(TransactionSyncSchema),
});

const includeTransactions = z._default(z.boolean(), true);

export const StartMxJobEvent = z.object({
  job: JobRefSchema,
  observeOnly: z._default(z.boolean(), false),
  includeTransactions,
  // The whole state: its progress is there only when the start is run again after a 429.
  state: z._default(z.object({ progress: z.optional(ProgressSchema) }), {}),
});
export const PollMemberStatusEvent = z.object({ job: JobRefSchema, progress: ProgressSchema });
export const ParkForChallengeEvent = z.object({ job: JobRefSchema, taskToken: id });
export const AwaitMemberWebhookEvent = z.object({ job: JobRefSchema, taskToken: id, progress: ProgressSchema });
export const FetchResultsEvent = z.object({ job: JobRefSchema, includeTransactions, progress: ProgressSchema });
export const RecordSuccessEvent = z.object({
  job: JobRefSchema,
  // Result counts, and `refreshed` (aggregation: false when MX throttled it).
  counts: z.record(z.string(), z.union([count, z.boolean()])),
  progress: z.optional(ProgressSchema),
});
export const DeleteSupersededResultsEvent = z.object({
  job: JobRefSchema,
  superseded: z.array(
    z.object({ kind: z.enum(Object.keys(RESULT_KINDS) as [ResultKind, ...ResultKind[]]), generation: id }),
  ),
});
export const RecordFailureEvent = z.object({
  job: JobRefSchema,
  // The whole state: a step's decision in its progress, or the error the Catch put there.
  state: z.object({
    progress: z.optional(ProgressSchema),
    error: z.optional(z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) })),
  }),
});

/** The detail of the EventBridge event on a job execution's end (Step Functions Execution Status Change). */
export const ExecutionEndedDetail = z.object({
  executionArn: id,
  status: id,
  // The execution input as JSON: endJobOfStoppedExecution reads the job's references from it
  // (none: not a job it can find, as before the check).
  input: z.pipe(
    z.nullish(z.string()),
    z.transform((input) => input ?? ''),
  ),
});

/**
 * The EventBridge event that carries it: the envelope's fields as Powertools' EventBridgeSchema
 * checks them (its schemas are classic zod, which no Lambda bundle carries), around the detail.
 */
export const ExecutionEndedEvent = z.object({
  version: z.string(),
  id: z.string(),
  source: z.string(),
  account: z.string(),
  time: z.iso.datetime(),
  region: z.string(),
  resources: z.array(z.string()),
  'detail-type': z.string(),
  detail: ExecutionEndedDetail,
  'replay-name': z.optional(z.string()),
});
