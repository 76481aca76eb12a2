import { CfnOutput, Fn, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { apiFunctionName } from '#shared/api/api-functions.js';
import { type ApiFunction, MX_WEBHOOK_PATH } from '#shared/api/routes.js';
import { DEFAULT_JOB_TIME_BUDGET, type JobTimeBudget, jobTimeLimits } from '#shared/contract/time-budget.js';
import { ENV, JOB_TYPES } from '#shared/contract/workflow.js';
import { MX_BASE_URLS, type MxDialect } from '#shared/mx/index.js';
import { DataTable } from './constructs/data-table.js';
import { DeletionWorkflow } from './constructs/deletion-workflow.js';
import { FieldKey } from './constructs/field-key.js';
import { FintechCallbacks } from './constructs/fintech-callbacks.js';
import { JobWorkflows } from './constructs/job-workflows.js';
import { MxEgress } from './constructs/mx-egress.js';
import { MxSecret, putMxCredentialsCommand } from './constructs/mx-secret.js';
import { MxWebhooks } from './constructs/mx-webhooks.js';
import { MxflowEvents } from './constructs/mxflow-events.js';
import { Observability } from './constructs/observability.js';
import { type ApiAccessSettings, RestApi } from './constructs/rest-api.js';
import { scopeServicePrincipals } from './constructs/service-principal-scope.js';
import { acknowledgeNag } from './nag.js';

export interface MxflowStackProps extends StackProps {
  /** Deployment stage, e.g. dev or prod; used in names and tags. */
  readonly stage: string;
  /** MX's integration (test institutions) or production environment. */
  readonly mxEnvironment?: 'integration' | 'production';
  readonly mxDialect?: MxDialect;
  readonly existingMxSecretArn?: string;
  /** Every time limit of a job, checked to fit at synth; DEFAULT_JOB_TIME_BUDGET without it. */
  readonly timeBudget?: JobTimeBudget;
  /** Keep the table and its key when the stack is deleted; true unless set to false. */
  readonly retainData?: boolean;
  /**
   * How long ended job records (`jobDays`) and account numbers and owners (`resultDays`) are kept
   * before DynamoDB's TTL deletes them; each unset: kept until their member or user is deleted.
   */
  readonly retention?: { readonly jobDays?: number; readonly resultDays?: number };
  /** Concurrent executions reserved for each API function; none unless set (deploy-settings.ts says why). */
  readonly apiReservedConcurrency?: number;
  /** Concurrent executions reserved for (and the most allowed to) the copy, FetchResults; none unless set. */
  readonly copyReservedConcurrency?: number;
  /** How long every log group keeps its logs. */
  readonly logRetention?: logs.RetentionDays;
  /** Where alarms are e-mailed (they always go to the stack's SNS topic). */
  readonly alarmEmail?: string;
  /**
   * Static egress for MX's IP allow-list: the functions that call MX leave through NAT
   * gateways on Elastic IPs, one per zone (output as MxEgressIps). Without it, no VPC.
   */
  readonly mxEgress?: { readonly azs: number };
  /** The fintech's HTTPS endpoint: every event is also POSTed there, signed. None without it. */
  readonly callbackUrl?: string;
  /** App schemes a client_redirect_url may use besides https, comma-separated (`-c clientRedirectSchemes=`). */
  readonly clientRedirectSchemes?: string;
  /** Who may call the API (the deploying account's root unless listed) and whether it is private. */
  readonly apiAccess?: ApiAccessSettings;
}

/** The one mxflow stack: data, the MX secret, the job workflows and the API. */
export class MxflowStack extends Stack {
  readonly data: DataTable;
  readonly fieldKey: FieldKey;
  readonly mxSecret: MxSecret;
  readonly workflows: JobWorkflows;
  readonly deletions: DeletionWorkflow;
  readonly api: RestApi;
  readonly mxWebhooks: MxWebhooks;
  readonly events: MxflowEvents;
  readonly callbacks?: FintechCallbacks;
  readonly observability: Observability;
  readonly mxEgress?: MxEgress;

  constructor(scope: Construct, id: string, props: MxflowStackProps) {
    super(scope, id, props);
    Tags.of(this).add('service', 'mxflow');
    Tags.of(this).add('stage', props.stage);
    const dialect = props.mxDialect ?? 'platform';
    const mxBaseUrl = MX_BASE_URLS[dialect][props.mxEnvironment ?? 'integration'];
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    const timeBudget = props.timeBudget ?? DEFAULT_JOB_TIME_BUDGET;
    this.data = new DataTable(this, 'Data', { retain: props.retainData ?? true });
    this.fieldKey = new FieldKey(this, 'FieldKey', { retain: props.retainData ?? true });
    if (props.mxEgress) this.mxEgress = new MxEgress(this, 'MxEgress', { azs: props.mxEgress.azs, logRetention });
    const mxEgress = this.mxEgress ? { mxEgress: this.mxEgress.placement } : {};
    const mxEgressIps = this.mxEgress ? Fn.join(',', this.mxEgress.addresses) : undefined;
    this.mxSecret = new MxSecret(
      this,
      'MxSecret',
      props.existingMxSecretArn ? { existingSecretArn: props.existingMxSecretArn } : {},
    );
    this.workflows = new JobWorkflows(this, 'Workflows', {
      table: this.data.table,
      mxSecret: this.mxSecret.secret,
      mxBaseUrl,
      mxDialect: dialect,
      key: this.data.key,
      logRetention,
      ...mxEgress,
      timeBudget,
      ...(props.copyReservedConcurrency ? { copyReservedConcurrency: props.copyReservedConcurrency } : {}),
    });

    const mxEnvironment = { [ENV.mxBaseUrl]: mxBaseUrl, [ENV.mxDialect]: dialect };
    this.mxWebhooks = new MxWebhooks(this, 'MxWebhooks', {
      table: this.data.table,
      mxSecret: this.mxSecret.secret,
      mxEnvironment,
      stateMachines: this.workflows.stateMachines,
      lockSeconds: jobTimeLimits(timeBudget).lockSeconds,
      logRetention,
      ...mxEgress,
    });

    this.deletions = new DeletionWorkflow(this, 'Deletions', {
      table: this.data.table,
      mxSecret: this.mxSecret.secret,
      mxEnvironment,
      key: this.data.key,
      logRetention,
      jobStateMachines: this.workflows.stateMachines,
      jobExecutions: this.workflows.executionArns,
      ...mxEgress,
    });

    this.events = new MxflowEvents(this, 'Events', { stage: props.stage, table: this.data.table, logRetention });
    if (props.callbackUrl) {
      this.callbacks = new FintechCallbacks(this, 'Callbacks', {
        bus: this.events.bus,
        url: props.callbackUrl,
        logRetention,
      });
    }

    // 'Http' is the construct id it was deployed with: a new id would replace the deployed API.
    this.api = new RestApi(this, 'Http', {
      stage: props.stage,
      table: this.data.table,
      mxSecret: this.mxSecret.secret,
      mxWebhookSecret: this.mxWebhooks.secret,
      mxEnvironment,
      stateMachines: this.workflows.stateMachines,
      deletionStateMachine: this.deletions.stateMachine,
      jobExecutions: this.workflows.executionArns,
      logRetention,
      ...mxEgress,
      timeLimits: jobTimeLimits(timeBudget),
      ...(props.apiReservedConcurrency ? { reservedConcurrency: props.apiReservedConcurrency } : {}),
      ...(props.clientRedirectSchemes ? { clientRedirectSchemes: props.clientRedirectSchemes } : {}),
      ...(props.apiAccess ? { access: props.apiAccess } : {}),
    });

    // FetchResults encrypts result fields with it, the results API decrypts them (FIELD_KEY_ACCESS).
    this.fieldKey.grantByAccess({
      ...this.workflows.functions,
      ...Object.fromEntries(
        Object.entries(this.api.functions).map(([family, fn]) => [apiFunctionName(family as ApiFunction), fn]),
      ),
    });

    this.observability = new Observability(this, 'Observability', {
      stage: props.stage,
      api: this.api.api,
      stateMachines: this.workflows.stateMachines,
      deletionStateMachine: this.deletions.stateMachine,
      putMxCredentialsCommand: putMxCredentialsCommand(this.mxSecret.secret.secretArn),
      executionEndedDeadLetters: this.workflows.executionEndedDeadLetters,
      webhookDeadLetters: this.mxWebhooks.deadLetters,
      eventDeadLetters: this.events.deadLetters,
      ...(this.callbacks ? { callbackDeadLetters: this.callbacks.deadLetters } : {}),
      ...(mxEgressIps ? { mxEgressIps } : {}),
      functions: {
        Workflow: {
          ...this.workflows.functions,
          ExecutionEndedFunction: this.workflows.executionEnded,
          ReconcileJobsFunction: this.workflows.reconcileJobs,
          ...this.deletions.functions,
          ProcessMxWebhooksFunction: this.mxWebhooks.processor,
          PublishEventsFunction: this.events.publisher,
          ...(this.callbacks ? { DeliverCallbackFunction: this.callbacks.deliver } : {}),
        },
        Api: this.api.functions,
      },
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
    });

    // Each function's table access is its TABLE_ACCESS entry (infra/constructs/table-access-policy.ts):
    // the table or the one index it names, never `<table>/index/*`. Every key lets AWS services in
    // only for this account's own resources.
    scopeServicePrincipals(this);
    // CDK's grants on mxflow's one customer-managed key use wildcard action names; the resource is that key alone.
    for (const action of ['kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
      acknowledgeNag(this, `IAM5[Action::${action}]`, `${action} as CDK grants it, on mxflow's own data key only.`);
    }

    // Every function that ends a job or copies results honours the retention: all of them get it.
    const retention = {
      ...(props.retention?.jobDays ? { [ENV.jobRetentionDays]: String(props.retention.jobDays) } : {}),
      ...(props.retention?.resultDays ? { [ENV.resultRetentionDays]: String(props.retention.resultDays) } : {}),
    };
    for (const fn of this.node
      .findAll()
      .filter((c): c is nodejs.NodejsFunction => c instanceof nodejs.NodejsFunction)) {
      for (const [name, value] of Object.entries(retention)) fn.addEnvironment(name, value);
    }

    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url });
    new CfnOutput(this, 'TableName', { value: this.data.table.tableName });
    new CfnOutput(this, 'MxSecretArn', { value: this.mxSecret.secret.secretArn });
    new CfnOutput(this, 'FieldKeyArn', { value: this.fieldKey.key.keyArn });
    new CfnOutput(this, 'MxWebhookUrl', {
      description: "Give MX's dashboard this URL for its webhooks, with the credentials of MxWebhookSecretArn",
      value: `${this.api.api.url.replace(/\/$/, '')}${MX_WEBHOOK_PATH}`,
    });
    new CfnOutput(this, 'MxWebhookSecretArn', { value: this.mxWebhooks.secret.secretArn });
    if (this.callbacks) {
      new CfnOutput(this, 'CallbackSigningSecretArn', {
        description: "The key the fintech's receiver checks callback signatures with (signing_key)",
        value: this.callbacks.secret.secretArn,
      });
    }
    new CfnOutput(this, 'EventBusName', {
      description: "Subscribe to mxflow's job and member events with rules on this bus (source mxflow)",
      value: this.events.bus.eventBusName,
    });
    new CfnOutput(this, 'PutMxCredentialsCommand', {
      description: "Run this with MX's client id and API key to give mxflow its MX credentials",
      value: putMxCredentialsCommand(this.mxSecret.secret.secretArn),
    });
    if (mxEgressIps) {
      new CfnOutput(this, 'MxEgressIps', {
        description:
          "The addresses every MX call leaves from: have MX allow-list them for this environment's client_id",
        value: mxEgressIps,
      });
    }
    new CfnOutput(this, 'DeletionStateMachineArn', { value: this.deletions.stateMachine.stateMachineArn });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.topic.topicArn });
    for (const jobType of JOB_TYPES) {
      new CfnOutput(this, `${jobType}StateMachineArn`, {
        value: this.workflows.stateMachines[jobType].stateMachineArn,
      });
    }
  }
}
