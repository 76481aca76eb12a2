import './xray-manual-mode.js';
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Duration } from 'aws-cdk-lib';
import { DEFAULT_JOB_WORKFLOW_SETTINGS, type JobWorkflowSettings } from '#infra/workflows/job-state-machine.js';
import type { BasicCredentials } from '#shared/api/basic-auth.js';
import { MX_WEBHOOK_PATH } from '#shared/api/routes.js';
import {
  ENV,
  JOB_TYPES,
  type JobType,
  RECONCILE_EVERY_SECONDS,
  REFRESH_EVERY_SECONDS,
  STATE_MACHINE_ARN_ENV,
} from '#shared/contract/workflow.js';
import { FieldCipher } from '#shared/crypto/field-cipher.js';
import { fieldKeyUsesOf } from '#shared/crypto/field-key-access.js';
import { documentClient } from '#shared/runtime/aws-clients.js';
import { checkLocalFieldKeyUse, localFieldKeyring } from '#shared/runtime/field-keyring.js';
import { JobStore } from '#shared/store/job-store.js';
import { STORE_MARSHALLING } from '#shared/store/marshalling.js';
import { ResultStore } from '#shared/store/result-store.js';
import { startLocalApiGateway } from './api-gateway/server.js';
import { type AsyncTarget, subscribeAsyncTarget } from './async-invocations.js';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION, startDynamoDbLocal } from './dynamodb-local.js';
import { type StreamConsumer, type StreamDeadLetter, startStreamConsumer } from './dynamodb-stream.js';
import { createMxflowTable } from './dynamodb-table.js';
import { type LocalEventBus, startLocalEventBus } from './event-bus.js';
import { type LocalFaultStats, type LocalFaults, startLocalFaults } from './faults/local-faults.js';
import { localFieldKey } from './field-key.js';
import { deletionStateMachine, jobStateMachines } from './job-state-machines.js';
import { invokedFunctionName } from './lambda-context.js';
import { type MxSimulator, type MxSimulatorOptions, startMxSimulator } from './mx-simulator/index.js';
import { startLocalSecretsManager } from './secrets-manager.js';
import { type LocalSqs, startLocalSqs } from './sqs.js';
import { LocalStepFunctions, startLocalStepFunctionsServer } from './step-functions/index.js';
import { addTableAccessCheck } from './table-access-check.js';
import {
  deliverCallbackHandler,
  executionEndedHandler,
  processMxWebhooksFunction,
  publishEventsFunction,
  reconcileJobsHandler,
  refreshMembersHandler,
  type StreamFunction,
  workflowTaskHandlers,
} from './workflow-handlers.js';

export interface LocalMxflowOptions {
  /** Every duration in the state machines (and the simulator's, when started here) × this. */
  readonly timeScale?: number;
  /** Real MX (or a running simulator); without it a simulator is started in-process. */
  readonly mx?: { readonly baseUrl: string; readonly clientId: string; readonly apiKey: string };
  readonly simulator?: MxSimulatorOptions;
  /** A DynamoDB Local already running (tests share one); without it one is started. */
  readonly dynamoEndpoint?: string;
  readonly tableName?: string;
  readonly workflowSettings?: Partial<JobWorkflowSettings>;
  /** Extra environment for the handlers (POLL_*, FETCH_CONCURRENCY, POWERTOOLS_LOG_LEVEL …). */
  readonly environment?: Record<string, string>;
  /** Port of the local API Gateway; 0 (the default) picks a free one. */
  readonly apiPort?: number;
  /**
   * The principals the local API's resource policy lets in, as `-c allowedPrincipals` does in AWS
   * (ARNs of LOCAL_PRINCIPALS, `local/api-gateway/local-principals.ts`); all of them by default.
   */
  readonly allowedPrincipals?: readonly string[];
  /** Faults AWS produces and the local services do not by themselves; none by default. */
  readonly faults?: LocalFaults;
  /**
   * MX's webhooks on: the simulator posts them to the local API's receiver with the local webhook
   * secret's credentials, the table's stream feeds the processor, and aggregations and
   * verifications wait for them between reads (`wait`: the fallback, 20 s of MX time by default).
   * Off by default, as on a stack MX has no webhook URL for.
   */
  readonly mxWebhooks?: boolean | { readonly wait: Duration };
  /**
   * mxflow's events on: the table's stream feeds the publisher, which puts job and member events
   * on a local EventBridge bus (`eventBus`). Off by default: most tests do not read them.
   */
  readonly events?: boolean;
  /**
   * Every event also POSTed, signed, to this URL (events on), as `-c callbackUrl=` does in AWS
   * (http allowed here, for a receiver on this machine).
   */
  readonly callbackUrl?: string;
}

/** With webhooks on, the wait a webhook ends after each floor: a status read at least every 23 s. */
export const DEFAULT_WEBHOOK_WAIT = Duration.seconds(20);

export interface LocalMxflow {
  readonly simulator: MxSimulator | undefined;
  readonly stepFunctions: LocalStepFunctions;
  readonly endpoints: {
    readonly api: string;
    readonly dynamodb: string;
    readonly secretsManager: string;
    readonly stepFunctions: string;
    readonly mx: string;
    /** With `events`: the bus's EventBridge and the SQS for a follower's queue. */
    readonly eventBridge?: string;
    readonly sqs?: string;
  };
  /** mxflow's bus, as `-c stage=local` would name it. */
  readonly eventBusName: string;
  readonly stateMachineArns: Record<JobType, string>;
  readonly tableName: string;
  readonly jobs: JobStore;
  readonly results: ResultStore;
  readonly sfn: SFNClient;
  /** The local twin of mxflow's EventBridge bus, with `events` on. */
  readonly eventBus: LocalEventBus | undefined;
  /** The SQS twin a follower's queue is made on, with `events` on. */
  readonly sqs: LocalSqs | undefined;
  /** With `callbackUrl`: the key callbacks are signed with, and the events whose every delivery failed. */
  readonly callbacks: { readonly signingKey: string; readonly target: AsyncTarget } | undefined;
  /** Whether the simulator posts MX's webhooks here and jobs wait for them (`mxWebhooks`). */
  readonly webhooksOn: boolean;
  /** The HTTP Basic credentials the webhook route takes (the local webhook secret's). */
  readonly webhookCredentials: BasicCredentials;
  /** The webhook processor's twin: inbox records it took, and those that failed every attempt (its DLQ). */
  readonly webhookProcessing: { processed(): number; readonly deadLetters: readonly StreamDeadLetter[] };
  /** What the fault options injected so far (all zero without them). */
  readonly faults: { stats(): LocalFaultStats };
  /** One pass of the reconciler now (it also runs every RECONCILE_EVERY_SECONDS of real time, as its schedule does). */
  reconcileJobs(): Promise<unknown>;
  /** One run of the scheduled refresh now (it also runs every REFRESH_EVERY_SECONDS of real time, as its schedule does). */
  refreshMembers(): Promise<unknown>;
  stop(): Promise<void>;
}

const STACK_NAME = 'Mxflow-local';
const MX_SECRET_NAME = 'mxflow/local/mx';
const MX_WEBHOOK_SECRET_NAME = 'mxflow/local/mx-webhook';
const EVENT_BUS_NAME = 'mxflow-local';
const CALLBACK_SECRET_NAME = 'mxflow/local/callbacks';
const CURSOR_SECRET_NAME = 'mxflow/local/cursors';
/** Whether this instance of the module has started a local mxflow: see `claimHandlers`. */
let started = false;

/**
 * One local mxflow per instance of its modules. Its handlers build their clients once from the
 * environment, as a Lambda container does, so a second stack on the same module instances would
 * run handlers still bound to the first one's endpoints: refused here, clearly, instead. (A new
 * process, or a module registry reset as the e2e tests do between files, gives new instances.)
 */
function claimHandlers(): void {
  if (started) {
    throw new Error(
      'a local mxflow was already started on these modules: its handlers keep that stack’s clients; start another in a process of its own',
    );
  }
  started = true;
}

/**
 * The whole of mxflow on one machine: DynamoDB Local, a local Secrets Manager holding the MX
 * credentials, the MX simulator, a local Step Functions running the ASL of the CDK state graph
 * the stack deploys with each task run by its real handler, and a local API Gateway in front of
 * the real API handlers. The handlers reach the local services only through the AWS SDK's
 * AWS_ENDPOINT_URL_* settings, exactly as they reach AWS.
 */
export async function startLocalMxflow(options: LocalMxflowOptions = {}): Promise<LocalMxflow> {
  // This machine runs Node 20; the Lambdas run Node 22, so the SDK's notice says nothing here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  claimHandlers();
  const timeScale = options.timeScale ?? 1;
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  // The process's environment as it was: the stack sets the handlers' variables, and puts them back when it stops.
  const environmentBefore = { ...process.env };
  stops.push(async () => {
    for (const name of Object.keys(process.env)) if (!(name in environmentBefore)) delete process.env[name];
    Object.assign(process.env, environmentBefore);
  });
  try {
    const simulator = options.mx ? undefined : await startMxSimulator({ timeScale, ...options.simulator });
    if (simulator) stops.push(() => simulator.close());
    const mx = options.mx ?? {
      baseUrl: String(simulator?.url),
      clientId: String(simulator?.clientId),
      apiKey: String(simulator?.apiKey),
    };

    let dynamoEndpoint = options.dynamoEndpoint;
    if (!dynamoEndpoint) {
      const dynamo = await startDynamoDbLocal();
      stops.push(() => dynamo.stop());
      dynamoEndpoint = dynamo.endpoint;
    }
    const tableName = options.tableName ?? 'mxflow-local';
    const dynamoClient = new DynamoDBClient({
      endpoint: dynamoEndpoint,
      region: LOCAL_AWS_REGION,
      credentials: LOCAL_AWS_CREDENTIALS,
    });
    stops.push(async () => dynamoClient.destroy());
    const webhookWait =
      options.mxWebhooks === true ? DEFAULT_WEBHOOK_WAIT : options.mxWebhooks ? options.mxWebhooks.wait : undefined;
    const withEvents = (options.events ?? false) || options.callbackUrl !== undefined;
    await createMxflowTable(dynamoClient, tableName, { stream: webhookWait !== undefined || withEvents });
    // The handlers meet the faults; the stores this returns (the tests' view) read DynamoDB Local directly.
    const faults = await startLocalFaults(options.faults ?? {}, dynamoEndpoint);
    stops.push(() => faults.stop());

    const mxSecret = JSON.stringify({ client_id: mx.clientId, api_key: mx.apiKey, base_url: mx.baseUrl });
    // As the stack's secret: a password generated for this stack, given to MX's dashboard (here the simulator).
    const webhookCredentials: BasicCredentials = { username: 'mx', password: randomBytes(24).toString('base64url') };
    const callbackSigningKey = randomBytes(32).toString('hex');
    const secrets = await startLocalSecretsManager({
      secrets: {
        [MX_SECRET_NAME]: mxSecret,
        [MX_WEBHOOK_SECRET_NAME]: JSON.stringify(webhookCredentials),
        [CALLBACK_SECRET_NAME]: JSON.stringify({ signing_key: callbackSigningKey }),
        // As the stack's: a key of its own, so cursors of another run (or stack) do not open here.
        [CURSOR_SECRET_NAME]: JSON.stringify({ key: randomBytes(48).toString('base64url') }),
      },
    });
    stops.push(() => secrets.stop());
    // SQS for those who follow the bus with a rule and a queue of their own (the CLI's --follow).
    const sqs = withEvents ? await startLocalSqs() : undefined;
    if (sqs) stops.push(() => sqs.stop());
    const eventBus = sqs ? await startLocalEventBus({ busName: EVENT_BUS_NAME, sqs }) : undefined;
    if (eventBus) stops.push(() => eventBus.stop());

    // The KMS key's twin: FetchResults encrypts and the results API decrypts with this key, on AWS's code path.
    const fieldKey = localFieldKey();
    delete process.env[ENV.fieldKeyArn];
    // As KMS refuses a role without the grant: each function may use the key only as FIELD_KEY_ACCESS says.
    checkLocalFieldKeyUse((use) => {
      const functionName = invokedFunctionName();
      if (functionName !== undefined && !fieldKeyUsesOf(functionName)?.includes(use))
        throw new Error(`AccessDeniedException: ${functionName} is not authorized to use the field key to ${use}`);
    });
    stops.push(async () => checkLocalFieldKeyUse(undefined));
    // Before the handlers load: Powertools reads its settings when a module creates its logger.
    Object.assign(process.env, {
      [ENV.fieldKeyFile]: fieldKey.file,
      AWS_REGION: LOCAL_AWS_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: faults.handlerDynamoEndpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      [ENV.tableName]: tableName,
      [ENV.mxSecretId]: MX_SECRET_NAME,
      [ENV.mxWebhookSecretId]: MX_WEBHOOK_SECRET_NAME,
      [ENV.cursorSecretId]: CURSOR_SECRET_NAME,
      ...(eventBus ? { [ENV.eventBusName]: EVENT_BUS_NAME, AWS_ENDPOINT_URL_EVENTBRIDGE: eventBus.endpoint } : {}),
      ...(options.callbackUrl
        ? { [ENV.callbackUrl]: options.callbackUrl, [ENV.callbackSecretId]: CALLBACK_SECRET_NAME }
        : {}),
      [ENV.mxBaseUrl]: mx.baseUrl,
      [ENV.mxDialect]: 'platform',
      // In the handlers' real time: the local engine runs the task's timeout × timeScale.
      [ENV.challengeTimeoutSeconds]: String(
        (options.workflowSettings?.challengeTimeout ?? DEFAULT_JOB_WORKFLOW_SETTINGS.challengeTimeout).toSeconds() *
          timeScale,
      ),
      // Metrics are CloudWatch's (EMF log lines); on this machine they would only be noise.
      POWERTOOLS_METRICS_DISABLED: 'true',
      ...options.environment,
    });
    delete process.env.AWS_SESSION_TOKEN;
    // Each function may do to the table only what its TABLE_ACCESS entry allows, as its role in AWS.
    addTableAccessCheck(documentClient().middlewareStack, invokedFunctionName);

    const stepFunctions = new LocalStepFunctions({
      stateMachines: [
        ...jobStateMachines(STACK_NAME, {
          ...options.workflowSettings,
          ...(webhookWait ? { webhookWait } : {}),
        }),
        deletionStateMachine(STACK_NAME),
      ],
      // Valid ASL, as test/integration/local/job-state-machines.test.ts proves for every setting.
      definitionsValidated: true,
      taskHandlers: await workflowTaskHandlers(faults.lambda),
      onExecutionEnded: await executionEndedHandler(faults.lambda),
      timeScale,
      region: LOCAL_AWS_REGION,
    });
    const sfnServer = await startLocalStepFunctionsServer(stepFunctions, {});
    stops.push(() => sfnServer.stop());
    process.env.AWS_ENDPOINT_URL_SFN = sfnServer.endpoint;
    // The schedule's twin, in real time (not scaled: its threshold is the real RECONCILE_AFTER_SECONDS).
    const reconcileJobs = await reconcileJobsHandler();
    const reconcileTimer = setInterval(
      () => void reconcileJobs().catch(() => undefined),
      RECONCILE_EVERY_SECONDS * 1000,
    );
    reconcileTimer.unref();
    stops.push(async () => clearInterval(reconcileTimer));
    // The scheduled refresh's twin, in real time too: members are due by the real REFRESH_AFTER_SECONDS.
    const refreshMembers = await refreshMembersHandler();
    const refreshTimer = setInterval(() => void refreshMembers().catch(() => undefined), REFRESH_EVERY_SECONDS * 1000);
    refreshTimer.unref();
    stops.push(async () => clearInterval(refreshTimer));

    const stateMachineArns = Object.fromEntries(
      JOB_TYPES.map((jobType) => [jobType, stepFunctions.stateMachineArn(`${STACK_NAME}-${jobType}`)]),
    ) as Record<JobType, string>;
    for (const jobType of JOB_TYPES) {
      process.env[STATE_MACHINE_ARN_ENV[jobType]] = stateMachineArns[jobType];
    }
    process.env[ENV.deletionStateMachineArn] = stepFunctions.stateMachineArn(`${STACK_NAME}-deletion`);
    // Loaded here, after the environment is set: the OpenAPI document's modules load the logger.
    const { docsPages } = await import('./api-gateway/docs-pages.js');
    const { connectPages } = await import('./api-gateway/connect-pages.js');
    let apiUrl = '';
    const api = await startLocalApiGateway({
      port: options.apiPort ?? 0,
      pages: { ...docsPages(() => apiUrl), ...connectPages() },
      ...(options.allowedPrincipals ? { allowedPrincipals: options.allowedPrincipals } : {}),
    });
    apiUrl = api.url;
    stops.push(() => api.stop());
    // Each function the stream feeds reads it on its own, as two event source mappings do.
    const consume = async (fn: StreamFunction): Promise<StreamConsumer> => {
      const consumer = await startStreamConsumer({
        dynamo: dynamoClient,
        endpoint: String(dynamoEndpoint),
        tableName,
        timeScale,
        ...fn,
      });
      stops.push(() => consumer.stop());
      return consumer;
    };
    if (withEvents) await consume(await publishEventsFunction(faults.lambda));
    let callbackTarget: AsyncTarget | undefined;
    if (eventBus && options.callbackUrl) {
      const target = subscribeAsyncTarget(eventBus, await deliverCallbackHandler(faults.lambda), timeScale);
      stops.push(() => target.stop());
      callbackTarget = target;
    }
    let webhookConsumer: StreamConsumer | undefined;
    if (webhookWait) {
      webhookConsumer = await consume(await processMxWebhooksFunction(faults.lambda));
      simulator?.configure({ webhooks: { url: `${api.url}${MX_WEBHOOK_PATH}`, ...webhookCredentials } });
    }
    const doc = DynamoDBDocumentClient.from(dynamoClient, STORE_MARSHALLING);
    const sfn = new SFNClient({
      endpoint: sfnServer.endpoint,
      region: LOCAL_AWS_REGION,
      credentials: LOCAL_AWS_CREDENTIALS,
    });
    stops.push(async () => sfn.destroy());
    return {
      simulator,
      stepFunctions,
      endpoints: {
        api: api.url,
        dynamodb: dynamoEndpoint,
        secretsManager: secrets.endpoint,
        stepFunctions: sfnServer.endpoint,
        mx: mx.baseUrl,
        ...(eventBus && sqs ? { eventBridge: eventBus.endpoint, sqs: sqs.endpoint } : {}),
      },
      eventBusName: EVENT_BUS_NAME,
      stateMachineArns,
      tableName,
      jobs: new JobStore(doc, tableName),
      // The tests' view decrypts what it reads (listResults with the member's user guid), and encrypts what it writes.
      results: new ResultStore(doc, tableName, { fields: localFieldCipher(fieldKey.key) }),
      sfn,
      eventBus,
      sqs,
      callbacks: callbackTarget ? { signingKey: callbackSigningKey, target: callbackTarget } : undefined,
      webhooksOn: webhookConsumer !== undefined,
      webhookCredentials,
      webhookProcessing: {
        processed: () => webhookConsumer?.processed() ?? 0,
        deadLetters: webhookConsumer?.deadLetters ?? [],
      },
      faults: { stats: faults.stats },
      reconcileJobs,
      refreshMembers,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function localFieldCipher(key: Buffer) {
  const cipher = new FieldCipher(() => localFieldKeyring(key));
  return { seal: cipher.seal.bind(cipher), open: cipher.open.bind(cipher) };
}
