import type { MxPage } from '#shared/mx/index.js';
import type { JobRef } from '#shared/store/job-record.js';
import type { ResultKind } from '#shared/store/keys.js';
import { forEachWithConcurrency } from '#shared/util/concurrency.js';
import { type Progress, waitAfterMxTrouble } from './progress.js';
import type { WorkflowDeps } from './workflow-deps.js';
import { asWorkflowError, rateLimitOf } from './workflow-errors.js';

/**
 * Rows stored per kind; `refreshed` (aggregation) is false when MX throttled the aggregation
 * and the data is what MX had before; `account_numbers_not_validated` counts numbers with
 * `passed_validation: false`, which RecordSuccess turns into a warning.
 */
export type ResultCounts = Partial<Record<ResultKind, number>> & {
  refreshed?: boolean;
  account_numbers_not_validated?: number;
};

/** What each job leaves behind: its own results, and the accounts they belong to. */
const RESULTS_OF_JOB = {
  verify: ['accounts', 'account_numbers'],
  identify: ['accounts', 'account_owners'],
  aggregate: ['accounts', 'transactions'],
} as const satisfies Record<JobRef['jobType'], readonly ResultKind[]>;

/**
 * Copies the job's results from MX into the store, one page at a time: a page is written
 * before the next is asked for, so memory holds one page per stream whatever the volume.
 * Rows are keyed by MX guid, so a retried fetch rewrites rather than duplicates. Only the
 * counts come back, for the execution state.
 */
export async function fetchResults(
  deps: Pick<WorkflowDeps, 'mx' | 'results' | 'fetchConcurrency' | 'now'>,
  { job, includeTransactions }: { job: JobRef; includeTransactions: boolean },
): Promise<ResultCounts> {
  try {
    return await copyResults(deps, job, includeTransactions);
  } catch (error) {
    throw asWorkflowError(error);
  }
}

/**
 * The FetchResults step: the copy, then RECORD_SUCCESS with the counts; or, when MX answered
 * 429 (and the page retry in the client would have come back sooner than MX asked),
 * RETRY_FETCH after at least MX's Retry-After. The copy runs again whole, which rewrites.
 */
export async function fetchResultsStep(
  deps: Pick<WorkflowDeps, 'mx' | 'jobs' | 'results' | 'fetchConcurrency' | 'now' | 'random'>,
  { job, includeTransactions, progress }: { job: JobRef; includeTransactions: boolean; progress: Progress },
): Promise<Progress> {
  try {
    const counts = await copyAndCheck(deps, job, includeTransactions);
    return { ...progress, next: 'RECORD_SUCCESS', reason: null, retryWaits: 0, counts };
  } catch (error) {
    const limited = rateLimitOf(error);
    if (limited)
      return waitAfterMxTrouble(progress, 'RETRY_FETCH', limited.retryAfterSeconds, deps.random ?? Math.random);
    throw asWorkflowError(error);
  }
}

/**
 * For an aggregation whether MX refreshed the data at all, then the copy. The check comes
 * first: the aggregation has ended, so the answer is final, and a failed read then costs a
 * retry of one read, not of a copy of thousands of rows.
 */
async function copyAndCheck(
  deps: Pick<WorkflowDeps, 'mx' | 'jobs' | 'results' | 'fetchConcurrency' | 'now'>,
  job: JobRef,
  includeTransactions: boolean,
): Promise<ResultCounts> {
  const refreshed = job.jobType === 'aggregate' ? await wasRefreshed(deps, job) : undefined;
  const counts = await copyResults(deps, job, includeTransactions);
  return refreshed === undefined ? counts : { ...counts, refreshed };
}

async function copyResults(
  deps: Pick<WorkflowDeps, 'mx' | 'results' | 'fetchConcurrency' | 'now'>,
  job: JobRef,
  includeTransactions: boolean,
): Promise<ResultCounts> {
  const counts: ResultCounts = {};
  const store = async (kind: ResultKind, pages: AsyncIterable<MxPage<{ guid?: string | null }>>) => {
    for await (const page of pages) {
      // Streams run side by side: add after the write, never across an await.
      const written = await deps.results.putResults(job.memberGuid, kind, job.jobGuid, page.items, deps.now());
      counts[kind] = (counts[kind] ?? 0) + written;
    }
    counts[kind] ??= 0;
  };

  const accountGuids: string[] = [];
  await store(
    'accounts',
    tap(deps.mx.listMemberAccounts(job.userGuid, job.memberGuid), (a) => accountGuids.push(String(a.guid))),
  );
  for (const kind of RESULTS_OF_JOB[job.jobType]) {
    if (kind === 'account_numbers') {
      let notValidated = 0;
      await store(
        kind,
        tap(
          deps.mx.listAccountNumbersByMember(job.userGuid, job.memberGuid),
          (n) => void (n.passed_validation === false && notValidated++),
        ),
      );
      if (notValidated > 0) counts.account_numbers_not_validated = notValidated;
    }
    if (kind === 'account_owners') await store(kind, deps.mx.listAccountOwnersByMember(job.userGuid, job.memberGuid));
    if (kind === 'transactions' && includeTransactions) {
      // One stream per account, a few at a time: bounded MX load, bounded memory.
      await forEachWithConcurrency(accountGuids, deps.fetchConcurrency, (accountGuid) =>
        store(kind, deps.mx.listTransactionsByAccount(job.userGuid, accountGuid)),
      );
    }
  }
  return counts;
}

/**
 * Whether the aggregation refreshed the data: MX answers a manual aggregation inside its
 * throttle window with 202 and no run, so successfully_aggregated_at stays what StartMxJob
 * read. Unknown (undefined) for a job that only followed MX's own aggregation.
 */
async function wasRefreshed(deps: Pick<WorkflowDeps, 'mx' | 'jobs'>, job: JobRef): Promise<boolean | undefined> {
  const record = await deps.jobs.getJob(job.memberGuid, job.jobGuid);
  if (record?.mx_aggregated_before === undefined) return undefined;
  // The member, not its status: a status read here would come sooner than MX's 3-second floor.
  const member = await deps.mx.readMember(job.userGuid, job.memberGuid);
  const after = member.successfully_aggregated_at ?? null;
  return after !== null && after !== record.mx_aggregated_before;
}

async function* tap<T>(pages: AsyncIterable<MxPage<T>>, each: (item: T) => void): AsyncGenerator<MxPage<T>> {
  for await (const page of pages) {
    page.items.forEach(each);
    yield page;
  }
}
