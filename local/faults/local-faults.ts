import { type DynamoDbFaultStats, type DynamoDbFaults, startDynamoDbFaultProxy } from './dynamodb-fault-proxy.js';
import { faultRandom } from './fault-random.js';
import { LambdaFaultInjector, type LambdaFaultStats, type LambdaFaults } from './lambda-faults.js';

/** The faults the local stack produces as AWS would; none unless asked for (Lambda time limits are always real). */
export interface LocalFaults extends LambdaFaults {
  /** Seeds every fault decision, so a run is reproducible (for the same order of calls). Default 'mxflow'. */
  readonly seed?: string;
  /** A fault layer in front of DynamoDB Local for the handlers; without it they reach DynamoDB Local directly. */
  readonly dynamodb?: DynamoDbFaults;
}

export interface LocalFaultStats {
  /** Undefined when no DynamoDB fault layer runs. */
  readonly dynamodb: DynamoDbFaultStats | undefined;
  readonly lambda: LambdaFaultStats;
}

export interface RunningLocalFaults {
  /** Where the handlers reach DynamoDB: the fault layer, or DynamoDB Local itself. */
  readonly handlerDynamoEndpoint: string;
  readonly lambda: LambdaFaultInjector;
  stats(): LocalFaultStats;
  stop(): Promise<void>;
}

export async function startLocalFaults(faults: LocalFaults, dynamoEndpoint: string): Promise<RunningLocalFaults> {
  const seed = faults.seed ?? 'mxflow';
  const lambda = new LambdaFaultInjector(faults, faultRandom(`${seed}/lambda`));
  const proxy = faults.dynamodb
    ? await startDynamoDbFaultProxy({
        upstream: dynamoEndpoint,
        faults: faults.dynamodb,
        random: faultRandom(`${seed}/dynamodb`),
      })
    : undefined;
  return {
    handlerDynamoEndpoint: proxy?.endpoint ?? dynamoEndpoint,
    lambda,
    stats: () => ({ dynamodb: proxy?.stats(), lambda: lambda.stats() }),
    stop: async () => proxy?.stop(),
  };
}
