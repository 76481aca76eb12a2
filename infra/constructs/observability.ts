import { Duration } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { JOB_TYPES, type JobType } from '#shared/contract/workflow.js';
import type { MxErrorCode } from '#shared/mx/index.js';
import { METRIC, METRICS_NAMESPACE } from '#shared/runtime/metrics.js';

export interface ObservabilityProps {
  readonly stage: string;
  readonly api: apigateway.RestApi;
  readonly stateMachines: Readonly<Record<JobType, sfn.IStateMachine>>;
  /** Grouped (workflow, API): an alarm sums at most ten metrics. */
  readonly functions: Readonly<Record<string, Readonly<Record<string, lambda.IFunction>>>>;
  readonly alarmEmail?: string;
  /** The command that puts new MX credentials in the secret, quoted in the 401 alarm. */
  readonly putMxCredentialsCommand: string;
  /** The static egress addresses (comma-separated), when the stack has them, quoted in the IP alarm. */
  readonly mxEgressIps?: string;
}

const FIVE_MINUTES = Duration.minutes(5);
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
const mxRefusalAlarms = (props: ObservabilityProps): { id: string; code: MxErrorCode; description: string }[] => [
  {
    id: 'MxUnauthorized',
    code: 'MX_UNAUTHORIZED',
    description: `MX answered 401: mxflow's MX client_id or API key is wrong, expired, or for the other MX environment. Check them in MX's client dashboard, then put the right ones in the secret: ${props.putMxCredentialsCommand}`,
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
 * a person: failed executions, function errors, API 5xx, and MX refusing mxflow (by cause).
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

    const alarm = (name: string, description: string, metric: cloudwatch.IMetric) => {
      const created = new cloudwatch.Alarm(this, name, {
        metric,
        alarmDescription: description,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new actions.SnsAction(this.topic));
      return created;
    };
    this.alarms = [
      alarm(
        'FailedExecutions',
        'A job execution failed, timed out or was aborted: its job record is ended by the execution-ended rule; look at the execution in the Step Functions console.',
        sumOf(
          'failed, timed out or aborted executions',
          machines.flatMap((m) => [m.metricFailed(), m.metricTimedOut(), m.metricAborted()]),
        ),
      ),
      ...Object.entries(props.functions).map(([group, fns]) =>
        alarm(
          `${group}FunctionErrors`,
          `An mxflow ${group} Lambda function threw: see its log group for the error.`,
          sumOf(
            `${group} function errors`,
            Object.values(fns).map((fn) => fn.metricErrors({ period: FIVE_MINUTES })),
          ),
        ),
      ),
      alarm(
        'Api5xx',
        'The API answered 5xx: MX may be failing (502/503/504) or a function failed.',
        props.api.metricServerError({ period: FIVE_MINUTES }),
      ),
      ...mxRefusalAlarms(props).map(({ id, code, description }) =>
        alarm(id, description, mxflowMetric(METRIC.mxAccessRefused, { code })),
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
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Cold starts, by function',
        left: [search(METRIC.coldStart, ['function_name'], '')],
        width: 8,
      }),
    );
  }
}
