// A local mxflow whose simulator adds transactions every day, and the helpers the transaction
// sync tests share: members through the API, aggregations, the list, the changes since a cursor,
// what MX holds, and a day of MX time.
import type { AccountResponse, TransactionResponse } from 'mx-platform-node';
import type { JobView } from '#cli/api-client.js';
import type { paths } from '#shared/api/generated/api-paths.js';
import { executionArnOf } from '#shared/jobs/reconcile-jobs.js';
import type { MxPage } from '#shared/mx/index.js';
import { type ApiClient, apiClient, createIdleMember, ended, everyPage, expectOk, waitForJob } from './api-client.js';
import { API_TEST_POLLING, startWorkflowHarness, type WorkflowHarness } from './workflow-harness.js';

type TransactionsQuery = NonNullable<
  paths['/users/{user_guid}/members/{member_guid}/transactions']['get']['parameters']['query']
>;
export type Row = Record<string, unknown> & { guid: string; account_guid: string };
export type MemberPath = { user_guid: string; member_guid: string };

const DAY_MS = 86_400_000;
export interface TransactionSizes {
  readonly perAccount: number;
  readonly daily: number;
}

/** Each account's transactions at the first copy, and the new ones MX gathers each day. */
const DEFAULT_SIZES: TransactionSizes = { perAccount: 60, daily: 4 };

export interface TransactionSyncHarness {
  readonly h: WorkflowHarness;
  /** Each account's transactions at the first copy, and each day's new ones. */
  readonly sizes: TransactionSizes;
  readonly api: ApiClient;
  newMember(): Promise<MemberPath>;
  /** An aggregation through the API, expected to succeed. */
  aggregate(of: MemberPath): Promise<JobView>;
  readonly transactionsPage: ReturnType<typeof transactionsPageOf>;
  /** The whole list, and the sync_cursor its first page gave. */
  everyTransaction(of: MemberPath): Promise<{ rows: Row[]; syncCursor: string | null }>;
  /** Every change since a cursor, asking again while has_more; and the cursor after them. */
  changesSince(of: MemberPath, cursor: string): Promise<{ changes: Row[]; cursor: string }>;
  /** What MX holds now: the member's open accounts, and every transaction of theirs. */
  mxTruth(of: MemberPath): Promise<{ accounts: AccountResponse[]; transactions: TransactionResponse[] }>;
  /** A day of MX time passes; the member's background aggregation runs and ends. */
  nextDay(of: MemberPath): Promise<void>;
  stop(): Promise<void>;
}

/** One page of `GET …/transactions`. */
const transactionsPageOf = (api: ApiClient) => (of: MemberPath, query: TransactionsQuery) =>
  api.typed.GET('/users/{user_guid}/members/{member_guid}/transactions', { params: { path: of, query } });

async function all<T>(pages: AsyncIterable<MxPage<T>>): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages) items.push(...page.items);
  return items;
}

export async function startTransactionSyncHarness(
  seed: string,
  sizes: TransactionSizes = DEFAULT_SIZES,
): Promise<TransactionSyncHarness> {
  const h = await startWorkflowHarness({
    simulator: {
      seed,
      jobDurationMs: 60_000,
      transactionsPerAccount: sizes.perAccount,
      historyDays: 30,
      dailyTransactionsPerAccount: sizes.daily,
    },
    environment: API_TEST_POLLING,
  });
  const api = apiClient(h.stack.endpoints.api);
  const transactionsPage = transactionsPageOf(api);
  return {
    h,
    sizes,
    api,
    transactionsPage,
    newMember: () => createIdleMember(api),
    async aggregate(of) {
      const started = expectOk(
        await api.typed.POST('/users/{user_guid}/members/{member_guid}/aggregate', { params: { path: of }, body: {} }),
        202,
      );
      // Waited for in the local Step Functions, then read once through the API: a month of daily
      // aggregations read through the API every few ms was a sixth of the month test's CPU.
      const executionArn = executionArnOf(h.stack.stateMachineArns.aggregate, started.job.guid);
      await h.stack.stepFunctions.waitForExecution(executionArn, 30_000);
      const done = await waitForJob(api, started.job, ended, 30_000);
      if (done.status !== 'SUCCEEDED')
        throw new Error(`the aggregation ended ${done.status}: ${JSON.stringify(done.error)}`);
      return done;
    },
    async everyTransaction(of) {
      const pages = await everyPage((next) => transactionsPage(of, { limit: 1000, ...next }));
      return { rows: pages.flatMap((page) => page.transactions) as Row[], syncCursor: pages[0]?.sync_cursor ?? null };
    },
    async changesSince(of, cursor) {
      const changes: Row[] = [];
      let at = cursor;
      for (let reads = 0; reads < 50; reads += 1) {
        const page = expectOk(await transactionsPage(of, { updated_since_cursor: at, limit: 100 }));
        changes.push(...(page.transactions as Row[]));
        at = String(page.sync_cursor);
        if (!page.has_more) return { changes, cursor: at };
      }
      throw new Error('the changes never ended');
    },
    async mxTruth(of) {
      const accounts = await all<AccountResponse>(h.mx.listMemberAccounts(of.user_guid, of.member_guid));
      const transactions: TransactionResponse[] = [];
      for (const account of accounts) {
        const range = { fromDate: '2000-01-01', toDate: '2099-12-31' };
        transactions.push(...(await all(h.mx.listTransactionsByAccount(of.user_guid, String(account.guid), range))));
      }
      return { accounts, transactions };
    },
    async nextDay(of) {
      h.stack.simulator?.advanceTime(DAY_MS + 60_000);
      for (let reads = 0; reads < 500; reads += 1) {
        const status = await h.mx.readMemberStatus(of.user_guid, of.member_guid);
        if (!status.is_being_aggregated) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error('the background aggregation never ended');
    },
    stop: () => h.stop(),
  };
}
