import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  DescribeExecutionInput,
  DescribeStateMachineInput,
  GetExecutionHistoryInput,
  ListExecutionsInput,
  ListStateMachinesInput,
  SendTaskFailureInput,
  SendTaskHeartbeatInput,
  SendTaskSuccessInput,
  StartExecutionInput,
  StopExecutionInput,
} from '@aws-sdk/client-sfn';
import type { LocalStepFunctions } from './engine.js';
import { StepFunctionsError } from './errors.js';
import { readBody } from '#local/read-body.js';

export interface LocalStepFunctionsServer {
  /** e.g. `http://127.0.0.1:54321`; use as the client's `endpoint` or AWS_ENDPOINT_URL_SFN. */
  endpoint: string;
  /** Aborts running executions, closes every socket and the listener. */
  stop(): Promise<void>;
}

type Operation = (engine: LocalStepFunctions, request: object) => unknown;

/**
 * Operations by `X-Amz-Target: AWSStepFunctions.<Operation>`. The JSON body has the SDK command
 * input's field names, so it is handed over as that input type; the engine validates what it uses.
 */
const operations: Record<string, Operation> = {
  StartExecution: (engine, request) => engine.startExecution(request as StartExecutionInput),
  DescribeExecution: (engine, request) => engine.describeExecution(request as DescribeExecutionInput),
  ListExecutions: (engine, request) => engine.listExecutions(request as ListExecutionsInput),
  GetExecutionHistory: (engine, request) => engine.getExecutionHistory(request as GetExecutionHistoryInput),
  StopExecution: (engine, request) => engine.stopExecution(request as StopExecutionInput),
  SendTaskSuccess: (engine, request) => engine.sendTaskSuccess(request as SendTaskSuccessInput),
  SendTaskFailure: (engine, request) => engine.sendTaskFailure(request as SendTaskFailureInput),
  SendTaskHeartbeat: (engine, request) => engine.sendTaskHeartbeat(request as SendTaskHeartbeatInput),
  DescribeStateMachine: (engine, request) => engine.describeStateMachine(request as DescribeStateMachineInput),
  ListStateMachines: (engine, request) => engine.listStateMachines(request as ListStateMachinesInput),
};

const JSON_1_0 = 'application/x-amz-json-1.0';

/** Serves `engine` over the AWS JSON 1.0 protocol that @aws-sdk/client-sfn speaks, on loopback. */
export async function startLocalStepFunctionsServer(
  engine: LocalStepFunctions,
  options: { port?: number } = {},
): Promise<LocalStepFunctionsServer> {
  const server = createServer((request, response) => {
    handle(engine, request, response).catch((error: unknown) => {
      send(response, 500, { __type: 'InternalFailure', message: error instanceof Error ? error.message : String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      await engine.shutdown();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

async function handle(engine: LocalStepFunctions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request);
  const target = request.headers['x-amz-target'];
  const operationName = typeof target === 'string' && target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
  const operation = operations[operationName];
  if (request.method !== 'POST' || !operation) {
    sendError(response, new StepFunctionsError('UnknownOperationException', `Unknown operation '${String(target)}'`));
    return;
  }
  let input: unknown;
  try {
    input = body.length === 0 ? {} : JSON.parse(body);
  } catch {
    sendError(response, new StepFunctionsError('SerializationException', 'Request body is not valid JSON'));
    return;
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    sendError(response, new StepFunctionsError('SerializationException', 'Request body must be a JSON object'));
    return;
  }
  try {
    send(response, 200, await operation(engine, input));
  } catch (error) {
    if (error instanceof StepFunctionsError) sendError(response, error);
    else throw error;
  }
}


function sendError(response: ServerResponse, error: StepFunctionsError): void {
  // The SDK picks the exception class from `__type` (and x-amzn-errortype).
  response.setHeader('x-amzn-errortype', error.code);
  send(response, 400, { __type: error.code, message: error.message });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body ?? {}, epochSeconds);
  response.writeHead(status, { 'content-type': JSON_1_0, 'content-length': Buffer.byteLength(json) });
  response.end(json);
}

/** JSON 1.0 timestamps are epoch seconds. The replacer sees Dates already `toJSON`-ed, so it checks the holder. */
function epochSeconds(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}
