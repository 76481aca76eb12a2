/**
 * Runs `fetchResults` (what the FetchResults Lambda runs) once, in a process of its own, and
 * reports its time and peak memory. Started by bench/ingest.ts with everything in the environment.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '#local/dynamodb-local.js';
import { fetchResults } from '#shared/jobs/fetch-results.js';
import { MxClient } from '#shared/mx/index.js';
import { ResultStore } from '#shared/store/result-store.js';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

async function main(): Promise<void> {
  const mx = new MxClient({
    baseUrl: env('INGEST_MX_URL'),
    clientId: env('INGEST_MX_CLIENT_ID'),
    apiKey: env('INGEST_MX_API_KEY'),
  });
  const client = new DynamoDBClient({
    endpoint: env('INGEST_DYNAMO'),
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const results = new ResultStore(doc, env('INGEST_TABLE'), {
    concurrentBatches: Number(env('INGEST_CONCURRENT_BATCHES')),
  });

  globalThis.gc?.();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 5);
  const started = performance.now();
  const counts = await fetchResults(
    { mx, results, fetchConcurrency: Number(env('INGEST_FETCH_CONCURRENCY')), now: () => new Date() },
    {
      job: {
        jobGuid: 'JOB-bench-ingest',
        userGuid: env('INGEST_USER'),
        memberGuid: env('INGEST_MEMBER'),
        jobType: 'aggregate',
      },
      includeTransactions: true,
    },
  );
  const ms = performance.now() - started;
  clearInterval(sampler);
  const after = process.memoryUsage();
  peakRss = Math.max(peakRss, after.rss);
  peakHeap = Math.max(peakHeap, after.heapUsed);
  client.destroy();
  console.log(
    JSON.stringify({
      counts,
      ms,
      rssBeforeMb: before.rss / 2 ** 20,
      peakRssMb: peakRss / 2 ** 20,
      heapBeforeMb: before.heapUsed / 2 ** 20,
      peakHeapMb: peakHeap / 2 ** 20,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
