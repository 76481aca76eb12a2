// `npm run mx-simulator -- --port 4010 [...]`: runs the simulator until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { type MxSimulatorOptions, startMxSimulator } from './index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    host: { type: 'string' },
    'client-id': { type: 'string' },
    'api-key': { type: 'string' },
    seed: { type: 'string' },
    'time-scale': { type: 'string' },
    'job-duration-ms': { type: 'string' },
    'challenge-after-ms': { type: 'string' },
    'challenge-expiry-ms': { type: 'string' },
    'transactions-per-account': { type: 'string' },
    'history-days': { type: 'string' },
    'daily-transactions-per-account': { type: 'string' },
    'rate-429': { type: 'string' },
    'rate-500': { type: 'string' },
    'rate-503': { type: 'string' },
    'latency-ms': { type: 'string' },
    'drop-rate': { type: 'string' },
    'allowed-ips': { type: 'string' },
    'disabled-features': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(`Usage: npm run mx-simulator -- [--port 4010] [--host 127.0.0.1] [--client-id ID] [--api-key KEY]
  [--seed S] [--time-scale 1] [--job-duration-ms 6000] [--challenge-after-ms 2000] [--challenge-expiry-ms 300000]
  [--transactions-per-account 50] [--history-days 90] [--daily-transactions-per-account 0]
  [--rate-429 0] [--rate-500 0] [--rate-503 0] [--latency-ms 0] [--drop-rate 0]
  [--allowed-ips 127.0.0.1,10.0.0.0/22] [--disabled-features verify,identify]
See local/mx-simulator/README.md.`);
  process.exit(0);
}

function num(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) {
    console.error(`--${name} must be a number`);
    process.exit(2);
  }
  return n;
}

/** A comma-separated flag; the simulator validates the entries. */
function list(raw: string | undefined): string[] | undefined {
  return raw === undefined
    ? undefined
    : raw
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);
}

const faults: NonNullable<MxSimulatorOptions['faults']> = {};
const rate429 = num('rate-429', values['rate-429']);
const rate500 = num('rate-500', values['rate-500']);
const rate503 = num('rate-503', values['rate-503']);
const latencyMs = num('latency-ms', values['latency-ms']);
const dropRate = num('drop-rate', values['drop-rate']);
if (rate429 !== undefined) faults.rate429 = rate429;
if (rate500 !== undefined) faults.rate500 = rate500;
if (rate503 !== undefined) faults.rate503 = rate503;
if (latencyMs !== undefined) faults.latencyMs = latencyMs;
if (dropRate !== undefined) faults.dropRate = dropRate;

try {
  const sim = await startMxSimulator({
    port: num('port', values.port),
    host: values.host,
    clientId: values['client-id'],
    apiKey: values['api-key'],
    seed: values.seed,
    timeScale: num('time-scale', values['time-scale']),
    jobDurationMs: num('job-duration-ms', values['job-duration-ms']),
    challengeAfterMs: num('challenge-after-ms', values['challenge-after-ms']),
    challengeExpiryMs: num('challenge-expiry-ms', values['challenge-expiry-ms']),
    transactionsPerAccount: num('transactions-per-account', values['transactions-per-account']),
    historyDays: num('history-days', values['history-days']),
    dailyTransactionsPerAccount: num('daily-transactions-per-account', values['daily-transactions-per-account']),
    allowedIps: list(values['allowed-ips']),
    disabledFeatures: list(values['disabled-features']) as MxSimulatorOptions['disabledFeatures'],
    faults,
  });
  console.log(`MX simulator listening on ${sim.url}`);
  console.log(`  client id: ${sim.clientId}`);
  console.log(`  API key:   ${sim.apiKey}`);
  console.log(
    `  time scale ${sim.options.timeScale}, job ${sim.options.jobDurationMs} MX ms, seed "${sim.options.seed}"`,
  );
  console.log(
    `Try: curl -u ${sim.clientId}:${sim.apiKey} -H 'Accept: application/vnd.mx.api.v1+json' -H 'Accept-Version: v20111101' '${sim.url}/institutions?name=mx'`,
  );
  console.log(`Admin: ${sim.url}/_simulator/stats — Ctrl-C to stop.`);
  const stop = (signal: string) => {
    console.log(`\n${signal}: stopping MX simulator`);
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
} catch (err) {
  console.error(`MX simulator failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
