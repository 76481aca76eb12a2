/**
 * The API under load: `GET …/jobs/{job_guid}` from 50 concurrent clients, a fixed number of
 * requests over loopback to the local API Gateway and the real handler against DynamoDB Local:
 * requests per second, p50 and p99 latency.
 *
 *   npx tsx bench/api.ts
 */
import { Agent, get as httpGet } from 'node:http';
import { ScriptedBackend } from '#test/support/scripted-backend.js';
import { type BenchResult, benchStack, figure, quantile, report, round, runScript } from './common.js';

const COMMAND = 'npx tsx bench/api.ts';
const REQUESTS = 5_000;
const CLIENTS = 50;
const WARM_UP = 500;

async function main(): Promise<void> {
  const began = Date.now();
  const stack = await benchStack('api', { timeScale: 0.01, simulator: { seed: 'bench-api' } });
  try {
    const api = new ScriptedBackend(stack.endpoints.api);
    const { userGuid, memberGuid } = await api.userWithMember('bench-api', 'password');
    const { job } = await api.follow(await api.startJob('identify', userGuid, memberGuid), 'correct', {
      timeoutMs: 60_000,
    });
    const url = `${stack.endpoints.api}${api.jobPath(job)}`;
    // Keep-alive connections, one per client, as a backend's HTTP client pool would hold.
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    const get = () =>
      new Promise<number>((resolve, reject) => {
        const t = performance.now();
        httpGet(url, { agent }, (response) => {
          response.resume();
          response.on('end', () =>
            response.statusCode === 200
              ? resolve(performance.now() - t)
              : reject(new Error(`GET answered ${response.statusCode}`)),
          );
        }).on('error', reject);
      });
    const drive = async (count: number) => {
      let next = 0;
      const latencies: number[] = [];
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (next < count) {
            next += 1;
            latencies.push(await get());
          }
        }),
      );
      return latencies;
    };
    await drive(WARM_UP);
    const t0 = performance.now();
    const latencies = await drive(REQUESTS);
    const seconds = (performance.now() - t0) / 1000;
    agent.destroy();

    const rps = REQUESTS / seconds;
    const result: BenchResult = {
      bench: 'api',
      command: COMMAND,
      seconds: round((Date.now() - began) / 1000, 1),
      figures: [
        figure(
          `GET …/jobs/{job_guid}: ${REQUESTS.toLocaleString('en')} requests, ${CLIENTS} clients`,
          round(rps, 0),
          'requests/s',
          COMMAND,
          { notes: 'local API Gateway + real handler + DynamoDB Local, loopback, one process' },
        ),
        figure('GET …/jobs/{job_guid} latency p50', round(quantile(latencies, 0.5), 1), 'ms', COMMAND),
        figure('GET …/jobs/{job_guid} latency p99', round(quantile(latencies, 0.99), 1), 'ms', COMMAND),
      ],
      details: {
        requests: REQUESTS,
        clients: CLIENTS,
        warmUp: WARM_UP,
        seconds: round(seconds, 2),
        maxMs: round(Math.max(...latencies), 1),
      },
    };
    report(result);
  } finally {
    await stack.stop();
  }
}

runScript(main);
