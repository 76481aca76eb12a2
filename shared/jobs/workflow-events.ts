import { z } from 'zod';
import { JOB_TYPES, NEXT_STEPS } from '#shared/contract/workflow.js';
import { FAILURE_REASONS, type FailureReason } from './failure-reasons.js';

/** What each workflow task receives from the state machine; checked on the way in. */
export const JobRefSchema = z.object({
  jobGuid: z.string().min(1),
  userGuid: z.string().min(1),
  memberGuid: z.string().min(1),
  jobType: z.enum(JOB_TYPES),
  isOauth: z.boolean().optional(),
});

const reasonSchema = z.enum(Object.keys(FAILURE_REASONS) as [FailureReason, ...FailureReason[]]);

export const ProgressSchema = z.object({
  next: z.enum(NEXT_STEPS),
  reason: reasonSchema.nullable(),
  connectionStatus: z.string().nullable(),
  pollCount: z.number().int().nonnegative(),
  waitSeconds: z.number().int().nonnegative(),
  pendingSeconds: z.number().nonnegative(),
  retryWaits: z.number().int().nonnegative().default(0),
});

export const StartMxJobEvent = z.object({
  job: JobRefSchema,
  observeOnly: z.boolean().default(false),
  includeTransactions: z.boolean().default(true),
  // The whole state: its progress is there only when the start is run again after a 429.
  state: z.object({ progress: ProgressSchema.optional() }).default({}),
});
export const PollMemberStatusEvent = z.object({ job: JobRefSchema, progress: ProgressSchema });
export const ParkForChallengeEvent = z.object({ job: JobRefSchema, taskToken: z.string().min(1) });
export const FetchResultsEvent = z.object({
  job: JobRefSchema,
  includeTransactions: z.boolean().default(true),
  progress: ProgressSchema,
});
export const RecordSuccessEvent = z.object({
  job: JobRefSchema,
  // Result counts, and `refreshed` (aggregation: false when MX throttled it).
  counts: z.record(z.string(), z.union([z.number().int().nonnegative(), z.boolean()])),
  progress: ProgressSchema.optional(),
});
export const RecordFailureEvent = z.object({
  job: JobRefSchema,
  // The whole state: a step's decision in its progress, or the error the Catch put there.
  state: z.object({
    progress: ProgressSchema.optional(),
    error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
  }),
});

/** The detail of the EventBridge event on a job execution's end (Step Functions Execution Status Change). */
export const ExecutionEndedDetail = z.object({
  executionArn: z.string().min(1),
  status: z.string().min(1),
  // The execution input as JSON: endJobOfStoppedExecution reads the job's references from it
  // (none: not a job it can find, as before the check).
  input: z
    .string()
    .nullish()
    .transform((input) => input ?? ''),
});
