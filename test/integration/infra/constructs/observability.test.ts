import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALARMED_FAILURE_REASONS } from '#infra/constructs/observability.js';
import { JOB_TYPES } from '#shared/contract/workflow.js';
import { FAILURE_REASONS } from '#shared/jobs/failure-reasons.js';
import { ACCESS_REFUSED_CODES } from '#shared/mx/index.js';
import { METRIC, METRICS_NAMESPACE } from '#shared/runtime/metrics.js';
import { PROD_CONTEXT, SYNTH_TIMEOUT_MS, synthesizedStack } from '#test/support/synthesized-template.js';

/** The stack as `npx cdk synth -c key=value …` builds it, once per run. */
const synthesize = async (context: Record<string, string>) => (await synthesizedStack(context)).template;

interface AlarmProps {
  AlarmDescription: string | { 'Fn::Join': [string, unknown[]] };
  AlarmActions: unknown[];
  MetricName?: string;
  Namespace?: string;
  Dimensions?: { Name: string; Value: string }[];
}
/** The MxAccessRefused alarms by their `code` dimension, descriptions flattened to text (tokens as JSON). */
const refusalAlarms = (
  template: Template,
): Record<string, AlarmProps & { description: string; dimensions: Record<string, string> }> =>
  Object.fromEntries(
    Object.values(template.findResources('AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties as AlarmProps)
      .filter((a) => a.MetricName === METRIC.mxAccessRefused)
      .map((a) => {
        const description =
          typeof a.AlarmDescription === 'string'
            ? a.AlarmDescription
            : a.AlarmDescription['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join('');
        const dimensions = Object.fromEntries((a.Dimensions ?? []).map((d) => [d.Name, d.Value]));
        return [dimensions.code, { ...a, description, dimensions }];
      }),
  );

describe('alarms that tell MX 401 from 403', () => {
  let prod: ReturnType<typeof refusalAlarms>;
  let dev: ReturnType<typeof refusalAlarms>;
  let devTemplate: Template;
  beforeAll(async () => {
    prod = refusalAlarms(await synthesize(PROD_CONTEXT));
    devTemplate = await synthesize({});
    dev = refusalAlarms(devTemplate);
  }, SYNTH_TIMEOUT_MS);

  it('pages on-call once per refusal code, on the MxAccessRefused metric of service mxflow', () => {
    expect(Object.keys(prod).sort()).toEqual([
      'MX_FEATURE_NOT_ENABLED',
      'MX_FORBIDDEN',
      'MX_IP_NOT_ALLOWED',
      'MX_UNAUTHORIZED',
    ]);
    // Every code the MX client records has its alarm.
    expect([...ACCESS_REFUSED_CODES].sort()).toEqual(Object.keys(prod).sort());
    for (const alarm of Object.values(prod)) {
      expect(alarm).toMatchObject({ Namespace: METRICS_NAMESPACE, dimensions: { service: 'mxflow' } });
      expect(alarm.AlarmActions).toHaveLength(1);
    }
  });

  it('tells on-call to put new MX credentials in the secret on a 401, with the command', () => {
    expect(prod.MX_UNAUTHORIZED!.description).toMatch(
      /401.*aws secretsmanager put-secret-value --secret-id .*MxSecret/,
    );
  });

  it('tells on-call to have MX allow-list the MxEgressIps on an IP refusal, or that the stack has no static egress', () => {
    expect(prod.MX_IP_NOT_ALLOWED!.description).toMatch(/allow-list this stack's MxEgressIps output.*PublicIp/);
    expect(dev.MX_IP_NOT_ALLOWED!.description).toMatch(/does not use static egress.*-c mxEgress=static/);
  });

  it('tells on-call to ask MX to enable the product on a feature refusal, and to read MX’s message on any other 403', () => {
    expect(prod.MX_FEATURE_NOT_ENABLED!.description).toMatch(
      /not enabled for mxflow's client_id\. Ask MX to enable it/,
    );
    expect(prod.MX_FORBIDDEN!.description).toMatch(/read MX's message in the function logs/);
  });

  it('no longer raises one alarm for every 401 and 403 alike', () => {
    const onMxErrors = Object.values(devTemplate.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
      JSON.stringify(a).includes(METRIC.mxErrors),
    );

    expect(onMxErrors).toEqual([]);
  });

  it('graphs MxAccessRefused by code on the dashboard', () => {
    const [dashboard] = Object.values(devTemplate.findResources('AWS::CloudWatch::Dashboard'));

    expect(JSON.stringify(dashboard)).toMatch(
      new RegExp(
        `SEARCH\\('\\{${METRICS_NAMESPACE},service,code\\} MetricName=[\\\\]+"${METRIC.mxAccessRefused}[\\\\]+"'`,
      ),
    );
  });
});

describe('alarms that mean something', () => {
  let template: Template;
  beforeAll(async () => {
    template = await synthesize({});
  }, SYNTH_TIMEOUT_MS);
  const alarms = () =>
    Object.entries(template.findResources('AWS::CloudWatch::Alarm')).map(([logicalId, a]) => ({
      name: logicalId.replace(/^Observability/, '').replace(/[0-9A-F]{8}$/, ''),
      text: JSON.stringify(a.Properties),
      properties: a.Properties as Record<string, unknown>,
    }));

  it('has exactly these alarms: mxflow’s own failures, lost or unrepaired job ends, and MX refusing mxflow', () => {
    expect(
      alarms()
        .map((a) => a.name)
        .sort(),
    ).toEqual(
      [
        'JobsFailedInternally',
        'MxRetriesExhausted',
        'ExecutionsTimedOut',
        'JobsReconciled',
        'DeletionsFailed',
        'ExecutionEndedDeadLetters',
        'WebhookDeadLetters',
        'EventDeadLetters',
        'ApiFunctionErrors',
        'Api5xx',
        'MxUnauthorized',
        'MxIpNotAllowed',
        'MxFeatureNotEnabled',
        'MxForbidden',
      ].sort(),
    );
  });

  it('pages on no reason of the end user’s: a wrong password or an expired challenge is a business outcome', () => {
    const alarmed = Object.values(ALARMED_FAILURE_REASONS) as string[];
    const endUsers = Object.keys(FAILURE_REASONS).filter((r) => !alarmed.includes(r) && !r.startsWith('MX_'));

    const reasonsAlarmed = alarms().flatMap((a) =>
      [...a.text.matchAll(/"Name":"reason","Value":"(\w+)"/g)].map(([, reason]) => reason),
    );

    expect([...new Set(reasonsAlarmed)].sort()).toEqual([...alarmed].sort());
    expect(alarms().flatMap((a) => endUsers.filter((reason) => a.text.includes(`"Value":"${reason}"`)))).toEqual([]);
    expect(endUsers).toEqual(expect.arrayContaining(['CREDENTIALS_INVALID', 'CHALLENGE_EXPIRED', 'MFA_REJECTED']));
    // Every job that fails ends its execution FAILED (JobFailed): no alarm counts failed job executions,
    // only failed deletions (one leaves a user's data in place).
    expect(
      alarms()
        .filter((a) => a.text.includes('ExecutionsFailed'))
        .map((a) => a.name),
    ).toEqual(['DeletionsFailed']);
  });

  it('pages on jobs failed INTERNAL_ERROR of any type, and on any job the reconciler had to end', () => {
    const internal = alarms().find((a) => a.name === 'JobsFailedInternally')!;
    const reconciled = alarms().find((a) => a.name === 'JobsReconciled')!;

    expect(internal.text.match(/"Value":"INTERNAL_ERROR"/g)).toHaveLength(JOB_TYPES.length);
    expect(internal.text).toContain(`"MetricName":"${METRIC.jobsFailed}"`);
    expect(reconciled.properties).toMatchObject({
      MetricName: METRIC.jobsReconciled,
      Namespace: METRICS_NAMESPACE,
      Dimensions: [{ Name: 'service', Value: 'mxflow' }],
      Statistic: 'Sum',
      Threshold: 1,
    });
  });

  it('pages on an end event or a webhook left in a dead-letter queue and on an execution that reached its time limit', () => {
    const deadLetters = alarms().filter((a) => a.name.endsWith('DeadLetters'));
    const timedOut = alarms().find((a) => a.name === 'ExecutionsTimedOut')!;

    expect(deadLetters.map((a) => a.properties)).toEqual(
      ['ExecutionEndedDeadLetters', 'WebhookDeadLetters', 'EventDeadLetters'].map(() =>
        expect.objectContaining({
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Namespace: 'AWS/SQS',
          Threshold: 1,
        }),
      ),
    );
    expect(timedOut.text.match(/"MetricName":"ExecutionsTimedOut"/g)).toHaveLength(JOB_TYPES.length);
  });

  it('lets a key rotation’s five minutes of stale secret pass, and pages on a 401 that lasts longer', () => {
    const unauthorized = alarms().find((a) => a.name === 'MxUnauthorized')!;
    const ipRefused = alarms().find((a) => a.name === 'MxIpNotAllowed')!;

    // One-minute periods: a 5-minute window touches at most 6 of them, the alarm needs 7 of 10.
    expect(unauthorized.properties).toMatchObject({ Period: 60, EvaluationPeriods: 10, DatapointsToAlarm: 7 });
    expect(ipRefused.properties).toMatchObject({ Period: 300, EvaluationPeriods: 1, Threshold: 1 });
  });
});

describe('the dashboard', () => {
  it('graphs the cold starts Powertools records, by function', async () => {
    const [dashboard] = Object.values((await synthesize({})).findResources('AWS::CloudWatch::Dashboard'));

    expect(JSON.stringify(dashboard)).toMatch(
      new RegExp(
        `SEARCH\\('\\{${METRICS_NAMESPACE},service,function_name\\} MetricName=[\\\\]+"${METRIC.coldStart}[\\\\]+"'`,
      ),
    );
  });
});
