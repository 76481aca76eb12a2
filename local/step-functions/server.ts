import { createServer } from 'node:http';
import type {
  DescribeExecutionInput,
  GetExecutionHistoryInput,
  ListExecutionsInput,
  SendTaskFailureInput,
  SendTaskSuccessInput,
  StartExecutionInput,
  StopExecutionInput,
} from '@aws-sdk/client-sfn';
import { type AwsJsonOperation, awsJsonProtocol } from '#local/aws-json-protocol.js';
import { listen } from '#local/http-server.js';
import type { LocalStepFunctions } from './engine.js';

export interface LocalStepFunctionsServer {
  /** e.g. `http://127.0.0.1:54321`; use as the client's `endpoint` or AWS_ENDPOINT_URL_SFN. */
  endpoint: string;
  /** Aborts running executions, closes every socket and the listener. */
  stop(): Promise<void>;
}

/** The body has the SDK command input's field names; the engine validates what it uses. */
const sdkInput = <T extends object>(input: object): T => input as T;

/**
 * The operations mxflow, its CLI and its tests call, by `X-Amz-Target: AWSStepFunctions.<Operation>`.
 */
function operations(engine: LocalStepFunctions): Record<string, AwsJsonOperation> {
  return {
    StartExecution: (input) => engine.startExecution(sdkInput<StartExecutionInput>(input)),
    DescribeExecution: (input) => engine.describeExecution(sdkInput<DescribeExecutionInput>(input)),
    ListExecutions: (input) => engine.listExecutions(sdkInput<ListExecutionsInput>(input)),
    GetExecutionHistory: (input) => engine.getExecutionHistory(sdkInput<GetExecutionHistoryInput>(input)),
    StopExecution: (input) => engine.stopExecution(sdkInput<StopExecutionInput>(input)),
    SendTaskSuccess: (input) => engine.sendTaskSuccess(sdkInput<SendTaskSuccessInput>(input)),
    SendTaskFailure: (input) => engine.sendTaskFailure(sdkInput<SendTaskFailureInput>(input)),
  };
}

/** Serves `engine` over the AWS JSON 1.0 protocol that @aws-sdk/client-sfn speaks, on loopback. */
export async function startLocalStepFunctionsServer(
  engine: LocalStepFunctions,
  options: { port?: number } = {},
): Promise<LocalStepFunctionsServer> {
  const protocol = awsJsonProtocol({
    targetPrefix: 'AWSStepFunctions.',
    version: '1.0',
    operations: operations(engine),
    serviceName: 'The local Step Functions',
  });
  const server = await listen(createServer(protocol), options);
  return {
    endpoint: server.url,
    async stop() {
      await engine.shutdown();
      await server.stop();
    },
  };
}
