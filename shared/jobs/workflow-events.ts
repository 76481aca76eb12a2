import { z } from 'zod';
import { FAILURE_REASONS, type FailureReason } from './failure-reasons.js';
import { JOB_TYPES } from './job-types.js';

/** What each workflow task receives from the state machine; checked on the way in. */
export const JobRefSchema = z.object({
  jobGuid: z.string().min(1),
  userGuid: z.string().min(1),
  memberGuid: z.string().min(1),
  jobType: z.enum(JOB_TYPES),
});

const reasonSchema = z.enum(Object.keys(FAILURE_REASONS) as [FailureReason, ...FailureReason[]]);

export const ProgressSchema = z.object({
  next: z.enum(['WAIT', 'AWAIT_CHALLENGE_ANSWER', 'AWAIT_OAUTH', 'FETCH_RESULTS', 'FAIL']),
  reason: reasonSchema.nullable(),
  connectionStatus: z.string().nullable(),
  pollCount: z.number().int().nonnegative(),
  waitSeconds: z.number().int().nonnegative(),
  pendingSeconds: z.number().nonnegative(),
});

export const StartMxJobEvent = z.object({ job: JobRefSchema, observeOnly: z.boolean().default(false), includeTransactions: z.boolean().default(true) });
export const PollMemberStatusEvent = z.object({ job: JobRefSchema, progress: ProgressSchema });
export const ParkForChallengeEvent = z.object({ job: JobRefSchema, taskToken: z.string().min(1) });
export const FetchResultsEvent = z.object({ job: JobRefSchema, includeTransactions: z.boolean().default(true) });
export const FinishJobEvent = z.discriminatedUnion('outcome', [
  z.object({
    outcome: z.literal('SUCCEEDED'),
    job: JobRefSchema,
    counts: z.record(z.string(), z.number().int().nonnegative()),
    progress: ProgressSchema.optional(),
  }),
  z.object({
    outcome: z.literal('FAILED'),
    job: JobRefSchema,
    state: z.object({
      progress: ProgressSchema.optional(),
      error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
    }),
  }),
]);
