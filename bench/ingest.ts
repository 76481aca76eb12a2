/**
 * Ingest: an aggregation's transactions copied from the MX simulator into DynamoDB Local by
 * `fetchResults` (the FetchResults step), in a child process whose memory is sampled: rows
 * per second, MX calls against the minimum, peak memory, and the ratio against fetching one
 * page at a time (fetchConcurrency 1, ResultStore concurrentBatches 1), in the same run.
 *
 *   npx tsx bench/ingest.ts
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION, startDynamoDbLocal } from '#local/dynamodb-local.js';
import { createMxflowTable } from '#local/dynamodb-table.js';
import { startMxSimulator } from '#local/mx-simulator/index.js';
import { MxClient } from '#shared/mx/index.js';
import { credentialsFor } from '#test/support/simulated-mx.js';
import { type BenchResult, figure, report, round, runScript, sleep } from './common.js';

const COMMAND = 'npx tsx bench/ingest.ts';
const TRANSACTIONS_PER_ACCOUNT = 10_000;
/** The simulator's test login with the most accounts (one of every account type): no login gives exactly 5. */
const LOGIN = 'all_account_types';
const PAGE = 1_000;
const MEMORY_TARGET_MB = 256;

interface ChildRun {
  counts: { accounts?: number; transactions?: number };
  ms: number;
  rssBeforeMb: number;
  peakRssMb: number;
  heapBeforeMb: number;
  peakHeapMb: number;
}

function runChild(env: Record<string, string>): Promise<ChildRun> {
  const child = fileURLToPath(new URL('./ingest-child.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', child], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('error', reject);
    proc.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ChildRun)
        : reject(new Error(`ingest child exited ${code}: ${out}`)),
    );
  });
}

async function main(): Promise<void> {
  const began = Date.now();
  const stops: (() => Promise<void>)[] = [];
  try {
    const simulator = await startMxSimulator({
      seed: 'bench-ingest',
      timeScale: 0.001,
      transactionsPerAccount: TRANSACTIONS_PER_ACCOUNT,
    });
    stops.push(() => simulator.close());
    let endpoint = process.env.BENCH_DYNAMO_ENDPOINT;
    if (!endpoint) {
      const dynamo = await startDynamoDbLocal();
      stops.push(() => dynamo.stop());
      endpoint = dynamo.endpoint;
    }
    const dynamo = new DynamoDBClient({ endpoint, region: LOCAL_AWS_REGION, credentials: LOCAL_AWS_CREDENTIALS });
    stops.push(async () => dynamo.destroy());

    // A member whose aggregation has ended CONNECTED at MX, as when FetchResults runs.
    const mx = new MxClient({ baseUrl: simulator.url, clientId: simulator.clientId, apiKey: simulator.apiKey });
    const user = String((await mx.createUser({ id: 'bench-ingest' })).guid);
    const credentials = await credentialsFor(mx, 'mxbank', { username: 'mxuser', password: LOGIN });
    const member = String(
      (await mx.createMember(user, { member: { institution_code: 'mxbank', credentials } })).member.guid,
    );
    for (;;) {
      const status = await mx.readMemberStatus(user, member);
      if (!status.is_being_aggregated) {
        if (status.connection_status !== 'CONNECTED') throw new Error(`the member ended ${status.connection_status}`);
        break;
      }
      await sleep(20);
    }
    const accounts = (await mx.listMemberAccounts(user, member).next()).value?.items.length ?? 0;

    const mxCalls = () => {
      const byEndpoint = simulator.stats().requests.byEndpoint;
      return (
        (byEndpoint['GET /users/{user_guid}/members/{member_guid}/accounts']?.count ?? 0) +
        (byEndpoint['GET /users/{user_guid}/accounts/{account_guid}/transactions']?.count ?? 0)
      );
    };
    const run = async (name: string, fetchConcurrency: number, concurrentBatches: number) => {
      const table = `bench-ingest-${name}-${process.pid}`;
      await createMxflowTable(dynamo, table);
      const callsBefore = mxCalls();
      const child = await runChild({
        INGEST_MX_URL: simulator.url,
        INGEST_MX_CLIENT_ID: simulator.clientId,
        INGEST_MX_API_KEY: simulator.apiKey,
        INGEST_DYNAMO: String(endpoint),
        INGEST_TABLE: table,
        INGEST_USER: user,
        INGEST_MEMBER: member,
        INGEST_FETCH_CONCURRENCY: String(fetchConcurrency),
        INGEST_CONCURRENT_BATCHES: String(concurrentBatches),
      });
      const rows = (child.counts.accounts ?? 0) + (child.counts.transactions ?? 0);
      return {
        name,
        fetchConcurrency,
        concurrentBatches,
        ...child,
        rows,
        rowsPerSecond: rows / (child.ms / 1000),
        mxCalls: mxCalls() - callsBefore,
      };
    };
    // Baseline first, then the defaults of the FetchResults function (FETCH_CONCURRENCY 3, 4 batches in flight).
    const baseline = await run('baseline', 1, 1);
    const tuned = await run('default', 3, 4);
    const expectedTransactions = accounts * TRANSACTIONS_PER_ACCOUNT;
    const minimumCalls = 1 + accounts * Math.ceil(TRANSACTIONS_PER_ACCOUNT / PAGE);
    for (const r of [baseline, tuned]) {
      if (r.counts.transactions !== expectedTransactions || r.counts.accounts !== accounts)
        throw new Error(
          `${r.name} stored ${JSON.stringify(r.counts)}, expected ${accounts} accounts, ${expectedTransactions} transactions`,
        );
    }

    const result: BenchResult = {
      bench: 'ingest',
      command: COMMAND,
      seconds: round((Date.now() - began) / 1000, 1),
      figures: [
        figure(
          `ingest rate, ${expectedTransactions.toLocaleString('en')} transactions over ${accounts} accounts (defaults)`,
          round(tuned.rowsPerSecond, 0),
          'rows/s',
          COMMAND,
          { notes: `${round(tuned.ms / 1000, 1)} s; DynamoDB Local, one machine` },
        ),
        figure(
          'ingest rate against one page at a time (fetchConcurrency 1, concurrentBatches 1)',
          round(tuned.rowsPerSecond / baseline.rowsPerSecond, 2),
          'ratio',
          COMMAND,
          { notes: `baseline ${round(baseline.rowsPerSecond, 0)} rows/s` },
        ),
        figure('MX calls made / minimum (pages of 1,000)', round(tuned.mxCalls / minimumCalls, 3), 'ratio', COMMAND, {
          target: '1',
          met: tuned.mxCalls === minimumCalls,
          notes: `${tuned.mxCalls} calls, minimum ${minimumCalls}`,
        }),
        figure('peak RSS of the fetch process', round(tuned.peakRssMb, 0), 'MB', COMMAND, {
          target: `≤ ${MEMORY_TARGET_MB}`,
          met: tuned.peakRssMb <= MEMORY_TARGET_MB,
          notes: `${round(tuned.rssBeforeMb, 0)} MB before fetching; heap peak ${round(tuned.peakHeapMb, 0)} MB (${round(tuned.heapBeforeMb, 0)} before); baseline peak RSS ${round(baseline.peakRssMb, 0)} MB`,
        }),
      ],
      details: { login: LOGIN, accounts, transactionsPerAccount: TRANSACTIONS_PER_ACCOUNT, runs: [baseline, tuned] },
    };
    report(result);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

runScript(main);
