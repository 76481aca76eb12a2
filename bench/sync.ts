/**
 * Sync: one member's transactions kept current, against copying them whole again. A member with
 * 2 accounts is copied whole (FetchResults called until it is done, then RecordSuccess's publish
 * and commit, as the state machine does), a day passes at MX (DAILY new transactions an account,
 * yesterday's pending ones posted, a share under new guids), and the member is synced. Then the
 * same member copied whole once more, as an aggregation without syncs would. MX calls, DynamoDB
 * write units (counted by the fault proxy in front of DynamoDB Local) and time of the sync and of
 * the re-copy, from one run.
 *
 *   npx tsx bench/sync.ts                       # 2 × 10,000
 *   npx tsx bench/sync.ts --per-account 50000   # the member of 100,000 transactions
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION, startDynamoDbLocal } from '#local/dynamodb-local.js';
import { createMxflowTable } from '#local/dynamodb-table.js';
import { startDynamoDbFaultProxy } from '#local/faults/dynamodb-fault-proxy.js';
import { faultRandom } from '#local/faults/fault-random.js';
import { startMxSimulator } from '#local/mx-simulator/index.js';
import { fetchResultsStep } from '#shared/jobs/fetch-results.js';
import { initialProgress, type Progress } from '#shared/jobs/progress.js';
import { recordSuccess } from '#shared/jobs/record-success.js';
import { MxClient } from '#shared/mx/index.js';
import { DEFAULT_FETCH_CONCURRENCY } from '#shared/runtime/workflow-config.js';
import { JobStore } from '#shared/store/job-store.js';
import { STORE_MARSHALLING } from '#shared/store/marshalling.js';
import { ResultStore } from '#shared/store/result-store.js';
import { TransactionSyncStore } from '#shared/store/transaction-sync-store.js';
import { credentialsFor } from '#test/support/simulated-mx.js';
import { type BenchResult, copyFieldCipher, figure, report, round, runScript, sleep } from './common.js';

const COMMAND = 'npx tsx bench/sync.ts';
const DEFAULT_PER_ACCOUNT = 10_000;
/** Two years of history, so that a day's overlap is a day's transactions, not a season's. */
const HISTORY_DAYS = 730;
/** New transactions an account gets in the day: with the posted ones and the overlap, about 200 changed. */
const DAILY = 50;
const DAY_MS = 86_400_000;
const TARGET_RATIO = 0.01;

const perAccountOf = (argv: readonly string[]) => {
  const at = argv.indexOf('--per-account');
  const value = at < 0 ? DEFAULT_PER_ACCOUNT : Number(argv[at + 1]);
  if (!Number.isInteger(value) || value < 100) throw new Error('--per-account takes a whole number of 100 or more');
  return value;
};

async function main(): Promise<void> {
  const began = performance.now();
  const perAccount = perAccountOf(process.argv.slice(2));
  const dynamo = process.env.BENCH_DYNAMO_ENDPOINT ? undefined : await startDynamoDbLocal();
  const upstream = process.env.BENCH_DYNAMO_ENDPOINT || String(dynamo?.endpoint);
  const proxy = await startDynamoDbFaultProxy({ upstream, faults: {}, random: faultRandom('bench-sync') });
  const simulator = await startMxSimulator({
    timeScale: 0.001,
    transactionsPerAccount: perAccount,
    historyDays: HISTORY_DAYS,
    dailyTransactionsPerAccount: DAILY,
  });
  const client = new DynamoDBClient({
    endpoint: proxy.endpoint,
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
  const doc = DynamoDBDocumentClient.from(client, STORE_MARSHALLING);
  try {
    const table = `bench-sync-${process.pid}`;
    await createMxflowTable(client, table);
    const mx = new MxClient({ baseUrl: simulator.url, clientId: simulator.clientId, apiKey: simulator.apiKey });
    const results = new ResultStore(doc, table, { fields: copyFieldCipher() });
    const deps = {
      mx,
      jobs: new JobStore(doc, table),
      results,
      sync: new TransactionSyncStore(doc, table, results),
      fetchConcurrency: DEFAULT_FETCH_CONCURRENCY,
      now: () => new Date(),
    };
    const user = String((await mx.createUser({ id: 'bench-sync' })).guid);
    // The simulator's login whose connection yields 2 accounts.
    const credentials = await credentialsFor(mx, 'mxbank', { username: 'mxuser', password: 'no_eligible_accounts' });
    const member = String(
      (await mx.createMember(user, { member: { institution_code: 'mxbank', credentials } })).member.guid,
    );
    await settled(mx, user, member);

    const mxCalls = () => simulator.stats().requests.total;
    /** One aggregation's copy, measured: its steps until RECORD_SUCCESS, then its publish and commit. */
    const run = async (jobGuid: string, jobType: 'aggregate' | 'history' = 'aggregate') => {
      // The job's record, as its start writes it: a copy step writes nothing for a job that is not active.
      await deps.jobs.createJob({
        jobGuid,
        type: jobType,
        userGuid: user,
        memberGuid: member,
        now: new Date(),
        lockSeconds: 3600,
      });
      const calls = mxCalls();
      const units = proxy.stats().writeUnits;
      const began = performance.now();
      const job = { jobGuid, userGuid: user, memberGuid: member, jobType };
      let progress: Progress = { ...initialProgress(0), next: 'FETCH_RESULTS' };
      while (progress.next === 'FETCH_RESULTS')
        progress = await fetchResultsStep(deps, { job, includeTransactions: true, progress });
      if (progress.next !== 'RECORD_SUCCESS') throw new Error(`the copy ended ${progress.next} (${progress.reason})`);
      // No job records here: the job's own end is not what this measures, its publish and commit are.
      const noJobRecords = { finishJob: async () => undefined } as never;
      await recordSuccess({ ...deps, jobs: noJobRecords }, { job, counts: progress.counts ?? {}, progress });
      const measured = {
        mode: progress.sync?.mode,
        seconds: (performance.now() - began) / 1000,
        mxCalls: mxCalls() - calls,
        writeUnits: proxy.stats().writeUnits - units,
        transactions: Number(progress.counts?.transactions ?? 0),
        removed: Number(progress.counts?.transactions_removed ?? 0),
      };
      await deps.jobs.finishJob(member, jobGuid, { status: 'SUCCEEDED', now: new Date() });
      return measured;
    };

    const first = await run('JOB-bench-sync-first');
    simulator.advanceTime(DAY_MS + 60_000);
    await settled(mx, user, member);
    const sync = await run('JOB-bench-sync-day');
    // The same member copied whole again, what every aggregation cost before syncs: a sync state
    // older than MX's 6 months of updated_at makes the next aggregation a full copy.
    await deps.sync.commit(member, 'JOB-bench-sync-forget', {
      syncedOn: '2000-01-01',
      fullCopy: true,
      now: new Date(),
    });
    const recopy = await run('JOB-bench-sync-recopy');
    // A history job on the member: MX's extend_history, then its whole 24-month window written in.
    await mx.startJob('history', user, member);
    await settled(mx, user, member);
    const history = await run('JOB-bench-sync-history', 'history');
    if (first.mode !== 'full' || sync.mode !== 'changes' || recopy.mode !== 'full' || history.mode !== 'changes') {
      throw new Error(
        `modes ${first.mode}, ${sync.mode}, ${recopy.mode}, ${history.mode}: expected full, changes, full, changes`,
      );
    }
    const size = 2 * perAccount;
    const result: BenchResult = {
      bench: 'sync',
      command: COMMAND,
      seconds: round((performance.now() - began) / 1000, 1),
      details: { perAccount, accounts: 2, daily: DAILY, first, sync, recopy, history },
      figures: [
        figure('sync: transactions written (changed)', sync.transactions, 'rows', COMMAND, {
          notes: `member of ${size.toLocaleString('en-US')} transactions; ${sync.removed} replaced pending ones removed; ${round(sync.seconds, 1)} s against ${round(recopy.seconds, 1)} s for the re-copy`,
        }),
        figure('sync: MX calls vs a full re-copy', round(sync.mxCalls / recopy.mxCalls, 3), 'ratio', COMMAND, {
          target: `≤ ${TARGET_RATIO}`,
          met: sync.mxCalls / recopy.mxCalls <= TARGET_RATIO,
          notes: `${sync.mxCalls} calls against ${recopy.mxCalls} (pages of 1,000: one list of accounts, then per account its changes and its pending window)`,
        }),
        figure('sync: write units vs a full re-copy', round(sync.writeUnits / recopy.writeUnits, 4), 'ratio', COMMAND, {
          target: `≤ ${TARGET_RATIO}`,
          met: sync.writeUnits / recopy.writeUnits <= TARGET_RATIO,
          notes: `${round(sync.writeUnits)} units against ${round(recopy.writeUnits)} (the row, its change-feed copy and pending notes for each change)`,
        }),
        figure('sync: time vs a full re-copy', round(sync.seconds / recopy.seconds, 3), 'ratio', COMMAND),
        figure('history job: transactions written', history.transactions, 'rows', COMMAND, {
          notes: `the member's whole 24-month window, in place: ${history.mxCalls} MX calls (the re-copy's ${recopy.mxCalls}), ${round(history.writeUnits)} write units, ${round(history.seconds, 1)} s`,
        }),
      ],
    };
    report(result);
  } finally {
    client.destroy();
    await simulator.close();
    await proxy.stop();
    await dynamo?.stop();
  }
}

/** Waits out the member's aggregation (its first, or MX's background run after a day). */
async function settled(mx: MxClient, user: string, member: string): Promise<void> {
  for (;;) {
    const status = await mx.readMemberStatus(user, member);
    if (!status.is_being_aggregated) {
      if (status.connection_status !== 'CONNECTED') throw new Error(`the member ended ${status.connection_status}`);
      return;
    }
    await sleep(20);
  }
}

runScript(main);
