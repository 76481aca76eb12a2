import { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { AUDIT_MESSAGE } from '#shared/api/audit.js';
import { JOB_TYPES, type JobType } from '#shared/contract/workflow.js';
import type { FailureReason } from '#shared/jobs/failure-reasons.js';
import type { MxErrorCode } from '#shared/mx/index.js';
import { METRIC, METRICS_NAMESPACE } from '#shared/runtime/metrics.js';

export interface ObservabilityProps {
  readonly stage: string;
  readonly api: apigateway.RestApi;
  readonly stateMachines: Readonly<Record<JobType, sfn.IStateMachine>>;
  /** The deletion workflow: a deletion that fails leaves a user's or member's data in place. */
  readonly deletionStateMachine: sfn.IStateMachine;
  /** Grouped (workflow, API): an alarm sums at most ten metrics. */
  readonly functions: Readonly<Record<'Workflow' | 'Api', Readonly<Record<string, lambda.IFunction>>>>;
  readonly alarmEmail?: string;
  /** The command that puts new MX credentials in the secret, quoted in the 401 alarm. */
  readonly putMxCredentialsCommand: string;
  /** The static egress addresses (comma-separated), when the stack has them, quoted in the IP alarm. */
  readonly mxEgressIps?: string;
  /** The execution-ended rule's dead-letter queue: an event in it is a job end nobody recorded. */
  readonly executionEndedDeadLetters: sqs.IQueue;
  /** Inbox records the webhook processor failed on after its retries. */
  readonly webhookDeadLetters: sqs.IQueue;
  /** Table changes whose events the publisher could not put on the bus after its retries. */
  readonly eventDeadLetters: sqs.IQueue;
  /** Events the fintech's callback URL did not take after their retries; only with callbacks. */
  readonly callbackDeadLetters?: sqs.IQueue;
}

/**
 * The failure reasons that page: mxflow's own failures, where a task's retries ran out.
 * Every other reason is the end user's or the institution's (a wrong password, an expired
 * challenge, a locked account): a business outcome the API reports, not an operations failure.
 */
export const ALARMED_FAILURE_REASONS = {
  /** Anything unexpected, and AWS's throttles and conflicts once the state machine's retries ran out. */
  internal: 'INTERNAL_ERROR',
  /** MX kept failing after the retries and the waits. */
  mxRetriesExhausted: 'MX_UNAVAILABLE',
} as const satisfies Record<string, FailureReason>;

/**
 * Functions cache the MX secret for 5 minutes (shared/runtime/mx-from-secret.ts): right after a
 * key rotation they may call MX with the old key for that long. The 401 alarm waits for
 * refusals in more one-minute periods than that window can touch (at most 6).
 */
const ROTATION_WINDOW_MINUTES = 5;

const FIVE_MINUTES = Duration.minutes(5);
/** Counted from the results function's audit log lines by a metric filter, not written as EMF. */
const AUDITED_READS_METRIC = 'AuditedReads';
const service = { service: 'mxflow' };
const mxflowMetric = (metricName: string, dimensionsMap: Record<string, string>, statistic = 'Sum') =>
  new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { ...service, ...dimensionsMap },
    statistic,
    period: FIVE_MINUTES,
  });
const search = (metricName: string, dimensions: string[], label: string) =>
  new cloudwatch.MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},${['service', ...dimensions].join(',')}} MetricName="${metricName}"', 'Sum', 300)`,
    label,
    period: FIVE_MINUTES,
  });

/**
 * One alarm per way MX refuses mxflow (the `code` of the MxAccessRefused metric, one of
 * ACCESS_REFUSED_CODES, recorded on every refused MX call), each saying what fixes it: a 401
 * and the three kinds of 403 need different people to act.
 */
const mxRefusalAlarms = (
  props: ObservabilityProps,
): { id: string; code: MxErrorCode; description: string; rotationTolerant?: boolean }[] => [
  {
    id: 'MxUnauthorized',
    code: 'MX_UNAUTHORIZED',
    rotationTolerant: true,
    description: `MX answered 401 for more than ${ROTATION_WINDOW_MINUTES + 1} of the last ${ROTATION_WINDOW_MINUTES * 2} minutes (longer than a key rotation takes to reach every function): mxflow's MX client_id or API key is wrong, expired, or for the other MX environment. Check them in MX's client dashboard, then put the right ones in the secret: ${props.putMxCredentialsCommand}`,
  },
  {
    id: 'MxIpNotAllowed',
    code: 'MX_IP_NOT_ALLOWED',
    description: props.mxEgressIps
      ? `MX answered 403: the calling IP is not on MX's allow-list. Ask MX (client dashboard or a support ticket) to allow-list this stack's MxEgressIps output for this environment's client_id: ${props.mxEgressIps}`
      : "MX answered 403: the calling IP is not on MX's allow-list, and this stack does not use static egress, so its functions have no fixed IP. Deploy with -c mxEgress=static, then have MX allow-list the MxEgressIps output.",
  },
  {
    id: 'MxFeatureNotEnabled',
    code: 'MX_FEATURE_NOT_ENABLED',
    description:
      "MX answered 403: the product called (e.g. verification or identification) is not enabled for mxflow's client_id. Ask MX to enable it for this environment's client_id; jobs of that type fail until then.",
  },
  {
    id: 'MxForbidden',
    code: 'MX_FORBIDDEN',
    description:
      "MX answered 403 for a reason mxflow does not recognise: read MX's message in the function logs (search for MX_FORBIDDEN) and take it to MX if it is theirs to fix.",
  },
];

/**
 * What on-call engineers watch: one dashboard for jobs, MX, polling, challenges, functions
 * and the API, and alarms (to an SNS topic, e-mailed when an address is given) for what needs
 * a person: jobs failed INTERNAL_ERROR, retries exhausted (MX_UNAVAILABLE, executions timed
 * out), jobs the reconciler had to end, end events left in the dead-letter queue, API function
 * errors and 5xx, and MX refusing mxflow (by cause). A job that fails for the end user's reason
 * (a wrong password, an unanswered challenge) is a business outcome and pages nobody; so a
 * failed execution (every failed job ends in JobFailed) is not an alarm either.
 */
export class Observability extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    // CloudWatch can publish to an encrypted topic only through a key that lets it.
    const key = new kms.Key(this, 'TopicKey', { description: 'mxflow alarm topic', enableKeyRotation: true });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new sns.Topic(this, 'Alarms', {
      displayName: `mxflow ${props.stage} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const machines = JOB_TYPES.map((t) => props.stateMachines[t]);
    const functions = Object.values(props.functions).flatMap((group) => Object.entries(group));
    const sumOf = (label: string, metrics: cloudwatch.IMetric[]) =>
      new cloudwatch.MathExpression({
        expression: metrics.map((_, i) => `m${i}`).join(' + '),
        usingMetrics: Object.fromEntries(metrics.map((m, i) => [`m${i}`, m])),
        label,
        period: FIVE_MINUTES,
      });

    const alarm = (
      name: string,
      description: string,
      metric: cloudwatch.IMetric,
      window: { threshold?: number; evaluationPeriods?: number; datapointsToAlarm?: number } = {},
    ) => {
      const created = new cloudwatch.Alarm(this, name, {
        metric,
        alarmDescription: description,
        threshold: window.threshold ?? 1,
        evaluationPeriods: window.evaluationPeriods ?? 1,
        ...(window.datapointsToAlarm ? { datapointsToAlarm: window.datapointsToAlarm } : {}),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new actions.SnsAction(this.topic));
      return created;
    };
    const failedFor = (reason: FailureReason) =>
      sumOf(
        `jobs failed ${reason}`,
        JOB_TYPES.map((jobType) => mxflowMetric(METRIC.jobsFailed, { jobType, reason })),
      );
    this.alarms = [
      alarm(
        'JobsFailedInternally',
        'A job failed INTERNAL_ERROR: mxflow failed unexpectedly, or AWS kept throttling or conflicting after the state machine retried. Find the job in the JobsFailed metric and its execution in the Step Functions console; the error is in the function logs.',
        failedFor(ALARMED_FAILURE_REASONS.internal),
      ),
      alarm(
        'MxRetriesExhausted',
        "Jobs failed MX_UNAVAILABLE: MX kept answering 5xx, 429 or timing out after every retry and wait. Check MX's status page and the dashboard's MX errors by status; the jobs can be started again once MX answers.",
        failedFor(ALARMED_FAILURE_REASONS.mxRetriesExhausted),
        // One member's flaky connection is not an outage: several jobs in five minutes are.
        { threshold: 3 },
      ),
      alarm(
        'ExecutionsTimedOut',
        "A job execution reached its time limit: the poll cap of the job time budget should end every job before it, so a task hung or the budget is wrong. The execution-ended rule ended the job TIMED_OUT; look at the execution's last state.",
        sumOf(
          'timed-out executions',
          machines.map((m) => m.metricTimedOut()),
        ),
      ),
      alarm(
        'DeletionsFailed',
        'A deletion of a user or member failed or timed out: its data is still here (the deletion gave the user and members back). GET /deletions/{deletion_guid} names the error; the execution in the Step Functions console shows the step; DELETE again to retry.',
        sumOf('failed deletions', [
          props.deletionStateMachine.metricFailed(),
          props.deletionStateMachine.metricTimedOut(),
        ]),
      ),
      alarm(
        'JobsReconciled',
        "The reconciler ended a job its execution could not: an end event was lost, or a start crashed between the job record and StartExecution. The function logs of ReconcileJobsFunction name each job ('job reconciled') and why.",
        new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: METRIC.jobsReconciled,
          dimensionsMap: service,
          statistic: 'Sum',
          period: FIVE_MINUTES,
        }),
      ),
      alarm(
        'ExecutionEndedDeadLetters',
        'An execution-ended event could not be delivered to ExecutionEndedFunction after its retries: it waits in the dead-letter queue (14 days). The reconciler ends those jobs on its next pass; read the message for the execution, and the function logs for why it failed.',
        props.executionEndedDeadLetters.metricApproximateNumberOfMessagesVisible({
          period: FIVE_MINUTES,
          statistic: 'Maximum',
        }),
      ),
      alarm(
        'WebhookDeadLetters',
        "An MX webhook could not be acted on after its retries. The dead-letter message names the stream's shard and sequence numbers (not the record); the delivery itself stays in the table for 3 days (WEBHOOK# items, body and received_at). Its job still ends by its fallback read; read ProcessMxWebhooksFunction's logs for why.",
        props.webhookDeadLetters.metricApproximateNumberOfMessagesVisible({
          period: FIVE_MINUTES,
          statistic: 'Maximum',
        }),
      ),
      alarm(
        'EventDeadLetters',
        "A job or member change's events could not be put on mxflow's bus after their retries, and subscribers have not heard of it. The dead-letter message names the stream's shard and sequence numbers (the stream keeps the record 24 h); the job's record in the API is current. Read PublishEventsFunction's logs for why.",
        props.eventDeadLetters.metricApproximateNumberOfMessagesVisible({
          period: FIVE_MINUTES,
          statistic: 'Maximum',
        }),
      ),
      ...(props.callbackDeadLetters
        ? [
            alarm(
              'CallbackDeadLetters',
              "A signed callback was refused or unanswered by the fintech's URL after its retries: the event waits in the dead-letter queue (14 days). Read DeliverCallbackFunction's logs for the status it got.",
              props.callbackDeadLetters.metricApproximateNumberOfMessagesVisible({
                period: FIVE_MINUTES,
                statistic: 'Maximum',
              }),
            ),
          ]
        : []),
      // Not the workflow functions': they throw MX's 5xx and AWS's throttles on purpose, for the
      // state machine to retry; what is left once retries run out is in the job alarms above.
      alarm(
        'ApiFunctionErrors',
        'An mxflow API Lambda function crashed or timed out (API Gateway answered 502): see its log group for the error.',
        sumOf(
          'API function errors',
          Object.values(props.functions.Api).map((fn) => fn.metricErrors({ period: FIVE_MINUTES })),
        ),
      ),
      alarm(
        'Api5xx',
        'The API answered 5xx: MX may be failing (502/503/504) or a function failed.',
        props.api.metricServerError({ period: FIVE_MINUTES }),
      ),
      ...mxRefusalAlarms(props).map(({ id, code, description, rotationTolerant }) =>
        rotationTolerant
          ? alarm(
              id,
              description,
              mxflowMetric(METRIC.mxAccessRefused, { code }).with({ period: Duration.minutes(1) }),
              {
                evaluationPeriods: ROTATION_WINDOW_MINUTES * 2,
                datapointsToAlarm: ROTATION_WINDOW_MINUTES + 2,
              },
            )
          : alarm(id, description, mxflowMetric(METRIC.mxAccessRefused, { code })),
      ),
    ];

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `mxflow-${props.stage}`,
      defaultInterval: Duration.hours(6),
    });
    const perType = (metricName: string, statistic = 'Sum') =>
      JOB_TYPES.map((jobType) => mxflowMetric(metricName, { jobType }, statistic).with({ label: jobType }));
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Jobs started, by type', left: perType(METRIC.jobsStarted), width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Jobs ended, by type and status',
        left: [search(METRIC.jobsEnded, ['jobType', 'status'], '')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Jobs failed, by type and reason',
        left: [search(METRIC.jobsFailed, ['jobType', 'reason'], '')],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'MX calls and errors, by status',
        left: [mxflowMetric(METRIC.mxCalls, {}).with({ label: 'calls' })],
        right: [search(METRIC.mxErrors, ['status'], '')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Status reads per job (average, p95)',
        left: [...perType(METRIC.pollsPerJob, 'Average'), ...perType(METRIC.pollsPerJob, 'p95')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Challenge wait for the end user, seconds',
        left: ['p50', 'p95', 'Maximum'].map((s) => mxflowMetric(METRIC.challengeWaitSeconds, {}, s).with({ label: s })),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Function errors',
        left: functions.map(([name, fn]) => fn.metricErrors({ label: name, period: FIVE_MINUTES })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function duration p95, ms',
        left: functions.map(([name, fn]) => fn.metricDuration({ label: name, statistic: 'p95', period: FIVE_MINUTES })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'API requests, 4xx, 5xx and latency p95',
        left: [
          props.api.metricCount({ period: FIVE_MINUTES }),
          props.api.metricClientError({ period: FIVE_MINUTES }),
          props.api.metricServerError({ period: FIVE_MINUTES }),
        ],
        right: [props.api.metricLatency({ statistic: 'p95', period: FIVE_MINUTES })],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Executions: succeeded and failed, by type',
        left: JOB_TYPES.flatMap((t) => [
          props.stateMachines[t].metricSucceeded({ label: `${t} succeeded`, period: FIVE_MINUTES }),
          props.stateMachines[t].metricFailed({ label: `${t} failed`, period: FIVE_MINUTES }),
        ]),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'MX refusing mxflow, by code (401, 403 by cause)',
        left: [search(METRIC.mxAccessRefused, ['code'], '')],
        width: 8,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 8 }),
    );
    // Audit events (reads of account numbers and owners) counted by route: what an operator
    // watches or alarms on; a subscription on the same pattern ships the events themselves.
    const results = props.functions.Api.results;
    if (results instanceof lambda.Function) {
      new logs.MetricFilter(this, 'AuditedReads', {
        logGroup: results.logGroup,
        filterPattern: logs.FilterPattern.stringValue('$.message', '=', AUDIT_MESSAGE),
        metricNamespace: METRICS_NAMESPACE,
        metricName: AUDITED_READS_METRIC,
        metricValue: '1',
        dimensions: { service: '$.service', route: '$.audit.route' },
      });
    }
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Cold starts, by function',
        left: [search(METRIC.coldStart, ['function_name'], '')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Reads of account numbers and owners (audit events), by route',
        left: [search(AUDITED_READS_METRIC, ['route'], '')],
        width: 8,
      }),
    );
  }
}
