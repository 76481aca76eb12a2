// `npm run demo`: mxflow's main job, end to end on this machine, as a product backend would run it.
import { parseArgs } from 'node:util';
import { MxflowApiClient } from '#cli/api-client.js';
import { type DemoDetails, runDemo, summaryRows } from './demo-flow.js';
import { eventLine } from './event-lines.js';
import { type LocalMxflow, startLocalMxflow } from './local-mxflow.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    'time-scale': { type: 'string', default: '0.1' },
    api: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(`Usage: npm run demo -- [--json] [--time-scale 0.1] [--api URL]

Starts mxflow locally (DynamoDB Local, Step Functions, the API, the MX simulator), then over
the API: creates a user, finds MX Bank, connects a member, and runs a verification, an
identification and an aggregation, answering their challenges, printing mxflow's events as
they arrive on its (local) bus. --time-scale 0.1 runs MX's
and Step Functions' clocks ten times faster (1 for real time). --api uses an mxflow already
running (e.g. npm start) instead. --json ends with one JSON line of the results.`);
  process.exit(0);
}

const timeScale = Number(values['time-scale']);
if (!(timeScale > 0)) {
  console.error('--time-scale must be a positive number');
  process.exit(2);
}

const started = Date.now();
const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);

function printSummary(details: DemoDetails): void {
  console.log('\n  job        status     what came back');
  console.log(`  ${'─'.repeat(9)}  ${'─'.repeat(9)}  ${'─'.repeat(60)}`);
  for (const { job, status, what } of summaryRows(details)) {
    console.log(`  ${job.padEnd(9)}  ${status.padEnd(9)}  ${what}`);
  }
}

let stack: LocalMxflow | undefined;
let exitCode = 1;
try {
  let apiUrl = values.api;
  if (!apiUrl) {
    log(`starting mxflow locally (time scale ${timeScale})…`);
    // As a stack MX posts webhooks to, with the fintech subscribed to its events.
    stack = await startLocalMxflow({
      timeScale,
      mxWebhooks: true,
      events: true,
      environment: { POWERTOOLS_LOG_LEVEL: 'WARN' },
    });
    apiUrl = stack.endpoints.api;
    log(`API at ${apiUrl}, MX simulator at ${stack.endpoints.mx} (posting MX's webhooks to the API)`);
    stack.eventBus?.subscribe((event) => log(eventLine(event)));
  }
  const details = await runDemo(new MxflowApiClient(apiUrl), log);
  printSummary(details);
  const allSucceeded = [details.summary.verify, details.summary.identify, details.summary.aggregate].every(
    (j) => j.status === 'SUCCEEDED',
  );
  exitCode = allSucceeded ? 0 : 1;
  if (values.json) console.log(JSON.stringify(details.summary));
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
} finally {
  await stack?.stop();
}
process.exit(exitCode);
