import type { MxPage } from '../mx/index.js';
import type { JobRef } from '../store/job-record.js';
import type { ResultKind } from '../store/keys.js';
import { forEachWithConcurrency } from '../util/concurrency.js';
import { asWorkflowError } from './workflow-errors.js';
import type { WorkflowDeps } from './workflow-deps.js';

export type ResultCounts = Partial<Record<ResultKind, number>>;

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

async function copyResults(deps: Pick<WorkflowDeps, 'mx' | 'results' | 'fetchConcurrency' | 'now'>, job: JobRef, includeTransactions: boolean): Promise<ResultCounts> {
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
  await store('accounts', tap(deps.mx.listMemberAccounts(job.userGuid, job.memberGuid), (a) => accountGuids.push(String(a.guid))));
  for (const kind of RESULTS_OF_JOB[job.jobType]) {
    if (kind === 'account_numbers') await store(kind, deps.mx.listAccountNumbersByMember(job.userGuid, job.memberGuid));
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

async function* tap<T>(pages: AsyncIterable<MxPage<T>>, each: (item: T) => void): AsyncGenerator<MxPage<T>> {
  for await (const page of pages) {
    page.items.forEach(each);
    yield page;
  }
}
