import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledgeNag } from '#infra/nag.js';
import type { WorkflowFunctionSpec } from '#shared/contract/workflow.js';
import type { MxEgressPlacement } from './mx-egress.js';

/** A module of shared/runtime/ as a file path for esbuild, from this file's place (infra/constructs/). */
const runtimeModule = (file: string): string => fileURLToPath(new URL(`../../shared/runtime/${file}`, import.meta.url));

/**
 * How every Lambda is bundled, read by CDK below and by bench/bundles.ts: ESM for Node 24,
 * minified, the AWS SDK inside (its version is the one tested here), ES module entry points
 * first (they tree-shake; the CommonJS builds of the SDK do not), and a few packages replaced by
 * small modules of ours: each says why Lambda never runs the original or does the same with ours.
 */
export const LAMBDA_BUNDLING = {
  target: 'node24',
  mainFields: ['module', 'main'],
  banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  alias: {
    // The SDK's default credential chain: Lambda gives every function its credentials in the environment.
    '@aws-sdk/credential-provider-node': runtimeModule('lambda-credentials.ts'),
    // Loaded only by an event-stream operation, which none of mxflow's clients has.
    '@smithy/core/event-streams': runtimeModule('event-streams-absent.ts'),
    // Called only by the X-Ray SDK's patcher of the v2 AWS SDK, which mxflow does not use.
    semver: runtimeModule('semver-gte.ts'),
    // The same least-recently-used cache, on a Map, for the DynamoDB client's discovered endpoints.
    'mnemonist/lru-cache': runtimeModule('lru-cache.ts'),
    // The Encryption SDK's ASN.1 shapes, for signed suites only; mxflow's field suite is unsigned.
    'asn1.js': runtimeModule('asn1-absent.ts'),
  } as Readonly<Record<string, string>>,
} as const;

export interface MxflowFunctionProps {
  readonly entry: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
  /** Behind MX's allow-listed egress IPs: set for functions that call MX when the stack has static egress. */
  readonly mxEgress?: MxEgressPlacement;
  /** Concurrent executions set aside for (and the most allowed to) this function; none by default. */
  readonly reservedConcurrency?: number;
}

/** Every mxflow Lambda: Node 24 on ARM, an ESM bundle made by the local esbuild, its own log group. */
export function mxflowFunction(scope: Construct, id: string, props: MxflowFunctionProps): nodejs.NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const fn = new nodejs.NodejsFunction(scope, id, {
    entry: props.entry,
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memoryMb,
    timeout: Duration.seconds(props.timeoutSeconds),
    logGroup,
    tracing: lambda.Tracing.ACTIVE,
    ...props.mxEgress,
    ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
    environment: {
      POWERTOOLS_SERVICE_NAME: 'mxflow',
      // Stack traces point at the TypeScript, through the bundled source map.
      NODE_OPTIONS: '--enable-source-maps',
      ...props.environment,
    },
    bundling: {
      format: nodejs.OutputFormat.ESM,
      target: LAMBDA_BUNDLING.target,
      minify: true,
      sourceMap: true,
      mainFields: [...LAMBDA_BUNDLING.mainFields],
      bundleAwsSDK: true,
      banner: LAMBDA_BUNDLING.banner,
      // No metafile here: CDK would ship it in every function's zip. bench/bundles.ts reads it.
      esbuildArgs: { '--alias': Object.entries(LAMBDA_BUNDLING.alias).map(([from, to]) => `${from}=${to}`) },
    },
  });
  acknowledgeNag(
    fn,
    'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    "The function writes to its own log group; AWS's basic execution policy is the least that allows it.",
  );
  acknowledgeNag(
    fn,
    'IAM5[Resource::*]',
    'X-Ray accepts trace segments only on Resource "*" (xray:PutTraceSegments, xray:PutTelemetryRecords).',
  );
  if (props.mxEgress) {
    acknowledgeNag(
      fn,
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      "Lambda needs to create and remove its network interfaces in mxflow's private subnets; AWS's VPC access policy is the least that allows it.",
    );
  }
  return fn;
}

/**
 * The Lambda of a function in one of the contract's tables (WORKFLOW_FUNCTIONS, the event
 * functions): its entry and size from there, and MX's egress only if it calls MX.
 */
export function functionOfSpec(
  scope: Construct,
  spec: WorkflowFunctionSpec,
  props: Omit<MxflowFunctionProps, 'entry' | 'memoryMb' | 'timeoutSeconds'>,
): nodejs.NodejsFunction {
  const { mxEgress, ...rest } = props;
  return mxflowFunction(scope, spec.id, {
    entry: spec.entry,
    memoryMb: spec.memoryMb,
    timeoutSeconds: spec.timeoutSeconds,
    ...rest,
    ...(spec.callsMx && mxEgress ? { mxEgress } : {}),
  });
}
