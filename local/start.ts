// `npm start`: the whole of mxflow on this machine, in the foreground, until Ctrl-C.
import { parseArgs } from 'node:util';
import { eventLine } from './event-lines.js';
import { startLocalMxflow } from './local-mxflow.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    'simulator-port': { type: 'string', default: process.env.MX_SIMULATOR_PORT ?? '4010' },
    'time-scale': { type: 'string', default: '1' },
    'poll-only': { type: 'boolean', default: false },
    'callback-url': { type: 'string' },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(`Usage: npm start -- [--port 3000] [--simulator-port 4010] [--time-scale 1] [--poll-only] [--callback-url URL] [--verbose]

Starts DynamoDB Local, a local Secrets Manager, a local Step Functions running the state
machines the CDK stack deploys, the API on http://127.0.0.1:PORT, and the MX
simulator. --time-scale 0.1 makes every wait ten times shorter (MX's simulated time too).
The simulator posts MX's webhooks to the API's /webhooks/mx, and jobs wait for them between
status reads (a read at least every 23 s); --poll-only turns them off (a read every 3 s).
mxflow's events are printed as they arrive; --callback-url also POSTs each one there, signed
(the signing key is printed), as a stack deployed with -c callbackUrl= does.

To use MX's integration environment instead of the simulator:
  MX_BASE_URL=https://int-api.mx.com MX_CLIENT_ID=… MX_API_KEY=… npm start`);
  process.exit(0);
}

const timeScale = Number(values['time-scale']);
const port = Number(values.port);
if (!(timeScale > 0) || !Number.isInteger(port)) {
  console.error('--time-scale must be a positive number and --port a whole number');
  process.exit(2);
}

const realMx = process.env.MX_BASE_URL;
if (realMx && !(process.env.MX_CLIENT_ID && process.env.MX_API_KEY)) {
  console.error('MX_BASE_URL is set: MX_CLIENT_ID and MX_API_KEY must be set too');
  process.exit(2);
}

console.log('Starting mxflow locally…');
const stack = await startLocalMxflow({
  timeScale,
  apiPort: port,
  ...(realMx
    ? { mx: { baseUrl: realMx, clientId: String(process.env.MX_CLIENT_ID), apiKey: String(process.env.MX_API_KEY) } }
    : { simulator: { port: Number(values['simulator-port']) }, mxWebhooks: !values['poll-only'] }),
  events: true,
  ...(values['callback-url'] ? { callbackUrl: values['callback-url'] } : {}),
  environment: { POWERTOOLS_LOG_LEVEL: values.verbose ? 'INFO' : 'WARN' },
}).catch((error: unknown) => {
  console.error(`mxflow could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

const line = (name: string, url: string, note = '') =>
  console.log(`  ${name.padEnd(16)} ${url}${note ? `   ${note}` : ''}`);
line('API', stack.endpoints.api, '(OpenAPI at /openapi.json, reference at /docs)');
line('Connect page', `${stack.endpoints.api}/connect`, "(the end user's side, in a browser)");
line(
  realMx ? 'MX' : 'MX simulator',
  stack.endpoints.mx,
  realMx ? '' : `(client id ${stack.simulator?.clientId}, API key ${stack.simulator?.apiKey})`,
);
line('Step Functions', stack.endpoints.stepFunctions, `(time scale ${timeScale})`);
line('DynamoDB Local', stack.endpoints.dynamodb, `(table ${stack.tableName})`);
line('Secrets Manager', stack.endpoints.secretsManager);
if (stack.webhooksOn) {
  line(
    'MX webhooks',
    `${stack.endpoints.api}/webhooks/mx`,
    `(HTTP Basic: ${stack.webhookCredentials.username} / the local webhook secret)`,
  );
}
if (stack.callbacks) {
  line('Callbacks', String(values['callback-url']), `(signed with key ${stack.callbacks.signingKey})`);
}
const { eventBridge, sqs } = stack.endpoints;
if (eventBridge && sqs) {
  line('Event bus', stack.eventBusName, '(EventBridge and SQS for the CLI to follow jobs by events:)');
  console.log(
    `    export MXFLOW_EVENT_BUS=${stack.eventBusName} AWS_ENDPOINT_URL_EVENTBRIDGE=${eventBridge} AWS_ENDPOINT_URL_SQS=${sqs}`,
  );
}
console.log("mxflow's events are printed below as they arrive on its local bus. Ctrl-C to stop.");
stack.eventBus?.subscribe((event) => console.log(`  ${eventLine(event)}`));

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping mxflow…`);
  await stack.stop();
  console.log('Stopped.');
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
