import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDeploySettings } from '#infra/deploy-settings.js';
import { addMxflowStack } from '#infra/mxflow-app.js';
import { API_FUNCTIONS } from '#shared/api/routes.js';
import { DEFAULT_JOB_TIME_BUDGET, jobTimeLimits } from '#shared/contract/time-budget.js';
import {
  ENV,
  JOB_TYPES,
  RECONCILE_JOBS_FUNCTION,
  STATE_MACHINE_ARN_ENV,
  WORKFLOW_FUNCTIONS,
  WORKFLOW_STATES,
} from '#shared/contract/workflow.js';
import {
  PROD_CONTEXT,
  SYNTH_TIMEOUT_MS,
  type SynthesizedStack,
  synthesizedStack,
  TEST_CONTEXT,
  templateTestApp,
} from '#test/support/synthesized-template.js';

let synthesized: SynthesizedStack;
let template: Template;
let prod: Template;
/** A throw-away stage that lets its data go, with a longer execution limit and reserved concurrency. */
let scratch: Template;
const SCRATCH_CONTEXT = {
  stage: 'scratch',
  retainData: 'false',
  executionTimeoutMinutes: '180',
  apiReservedConcurrency: '20',
  copyReservedConcurrency: '50',
  jobRetentionDays: '400',
  resultRetentionDays: '30',
};
beforeAll(async () => {
  synthesized = await synthesizedStack(TEST_CONTEXT);
  template = synthesized.template;
  prod = (await synthesizedStack(PROD_CONTEXT)).template;
  scratch = (await synthesizedStack(SCRATCH_CONTEXT)).template;
}, SYNTH_TIMEOUT_MS);

type FunctionResource = {
  Properties: { Environment: { Variables: Record<string, unknown> }; ReservedConcurrentExecutions?: number };
};
/** The function whose construct id (the start of its logical id) is `constructId`. */
const functionNamed = (t: Template, constructId: string): FunctionResource => {
  const matches = Object.entries(t.findResources('AWS::Lambda::Function') as Record<string, FunctionResource>).filter(
    ([logicalId]) => new RegExp(`^(Workflows|Http)${constructId}[0-9A-F]{8}$`).test(logicalId),
  );
  expect(matches, constructId).toHaveLength(1);
  return matches[0]![1];
};

describe('the deployable stack', () => {
  it('passes cdk-nag’s AWS Solutions checks, every finding acknowledged with a reason', async () => {
    // Every synthesized stack is checked by cdk-nag (as `cdk synth` does): a finding fails it.
    await expect(synthesizedStack(TEST_CONTEXT)).resolves.toMatchObject({ stackName: 'Mxflow-test' });
  });

  it('fails the synth on a finding nobody acknowledged', { timeout: SYNTH_TIMEOUT_MS }, () => {
    const app = templateTestApp(TEST_CONTEXT);
    const stack = addMxflowStack(app);
    new sns.Topic(stack, 'CarelessTopic');

    expect(() => app.synth()).toThrow(/AwsSolutions-SNS/);
  });

  it('deploys with defaults, and refuses context it cannot use', () => {
    const none = readDeploySettings(() => undefined);

    expect(none).toMatchObject({ stage: 'dev', mxEnvironment: 'integration', mxDialect: 'platform', logRetention: 30 });
    expect(() => readDeploySettings((key) => (key === 'mxEnvironment' ? 'staging' : undefined))).toThrow(
      /mxEnvironment/,
    );
    expect(() => readDeploySettings((key) => (key === 'logRetentionDays' ? '31' : undefined))).toThrow(
      /logRetentionDays/,
    );
  });

  it('outputs the API URL, the state machines, the table, the secret and how to fill it', () => {
    const outputs = template.findOutputs('*');

    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining([
        'ApiUrl',
        'TableName',
        'MxSecretArn',
        'PutMxCredentialsCommand',
        'aggregateStateMachineArn',
        'verifyStateMachineArn',
        'identifyStateMachineArn',
      ]),
    );
    expect(JSON.stringify(outputs.PutMxCredentialsCommand)).toContain('aws secretsmanager put-secret-value');
  });

  it('keeps data in a table encrypted with its own key, recoverable to a point in time', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('indexes the active jobs (for the reconciler) and the synced members by refresh time (for the scheduled refresh) sparsely, by shard, projecting only references (the indexes the local table has too)', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        {
          IndexName: 'active-jobs',
          KeySchema: [
            { AttributeName: 'active_shard', KeyType: 'HASH' },
            { AttributeName: 'active_since', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['job_guid', 'member_guid'] },
        },
        {
          IndexName: 'refresh-due',
          KeySchema: [
            { AttributeName: 'refresh_shard', KeyType: 'HASH' },
            { AttributeName: 'refresh_due', KeyType: 'RANGE' },
          ],
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: ['member_guid', 'user_guid', 'is_oauth', 'refresh_attempts'],
          },
        },
      ],
    });
  });

  it('keeps the table and its key when the stack is deleted, on any stage, unless told -c retainData=false', () => {
    const dataKey = (t: Template) =>
      Object.keys(t.findResources('AWS::KMS::Key')).filter((id) => id.startsWith('Data'));

    for (const kept of [template, prod]) {
      kept.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
      });
      expect(dataKey(kept).map((id) => kept.toJSON().Resources[id].DeletionPolicy)).toEqual(['Retain']);
    }
    scratch.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    expect(dataKey(scratch).map((id) => scratch.toJSON().Resources[id].DeletionPolicy)).toEqual(['Delete']);
  });

  it('leaves API Gateway’s account-wide logging role in place when the stack is deleted', () => {
    const role = Object.entries(template.findResources('AWS::IAM::Role')).filter(([, r]) =>
      JSON.stringify(r).includes('AmazonAPIGatewayPushToCloudWatchLogs'),
    );

    expect(role.map(([, r]) => r.DeletionPolicy)).toEqual(['Retain']);
    template.hasResource('AWS::ApiGateway::Account', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('gives the functions the limits derived from the one time budget, its webhook waits counted', () => {
    const poll = { ...DEFAULT_JOB_TIME_BUDGET.poll, webhookWaitSeconds: Number(TEST_CONTEXT.mxWebhookWaitSeconds) };
    const limits = jobTimeLimits({ ...DEFAULT_JOB_TIME_BUDGET, poll });

    for (const { id } of WORKFLOW_FUNCTIONS) {
      expect(functionNamed(template, id).Properties.Environment.Variables, id).toMatchObject({
        [ENV.pollIntervalSeconds]: String(poll.intervalSeconds),
        [ENV.pollBackoffAfterPolls]: String(poll.backoffAfterPolls),
        [ENV.pollBackoffRate]: String(poll.backoffRate),
        [ENV.pollMaxIntervalSeconds]: String(poll.maxIntervalSeconds),
        [ENV.pollMaxCount]: String(limits.maxPolls),
        [ENV.oauthTimeoutSeconds]: String(limits.oauthTimeoutSeconds),
        [ENV.challengeTimeoutSeconds]: String(limits.challengeTimeoutSeconds),
      });
    }
    for (const family of API_FUNCTIONS) {
      expect(functionNamed(template, `${family}Function`).Properties.Environment.Variables, family).toMatchObject({
        [ENV.jobLockSeconds]: String(limits.lockSeconds),
        [ENV.challengeTimeoutSeconds]: String(limits.challengeTimeoutSeconds),
      });
    }
  });

  it('gives every mxflow function the retentions when set, and none when not (a record is then kept until deleted)', () => {
    const variables = (t: Template) =>
      Object.values(t.findResources('AWS::Lambda::Function') as Record<string, FunctionResource>)
        .map((fn) => fn.Properties.Environment?.Variables ?? {})
        .filter((vars) => ENV.tableName in vars);

    expect(variables(scratch).length).toBeGreaterThan(20);
    for (const vars of variables(scratch)) {
      expect(vars).toMatchObject({ [ENV.jobRetentionDays]: '400', [ENV.resultRetentionDays]: '30' });
    }
    for (const vars of variables(template)) {
      expect(Object.keys(vars)).not.toContain(ENV.jobRetentionDays);
    }
  });

  it('moves the poll cap, the lock and the execution limit together when the deploy setting changes', () => {
    const limits = jobTimeLimits({ ...DEFAULT_JOB_TIME_BUDGET, executionLimitSeconds: 10_800 });
    const pollFunction = WORKFLOW_FUNCTIONS.find((f) => f.state === WORKFLOW_STATES.pollMemberStatus)!.id;

    expect(functionNamed(scratch, pollFunction).Properties.Environment.Variables[ENV.pollMaxCount]).toBe(
      String(limits.maxPolls),
    );
    expect(functionNamed(scratch, 'jobsFunction').Properties.Environment.Variables[ENV.jobLockSeconds]).toBe(
      String(limits.lockSeconds),
    );
    expect(limits.maxPolls).toBeGreaterThan(jobTimeLimits(DEFAULT_JOB_TIME_BUDGET).maxPolls);
    const jobMachines = Object.values(scratch.findResources('AWS::StepFunctions::StateMachine')).filter(
      (machine) => !JSON.stringify(machine).includes('PrepareDeletion'),
    );
    expect(jobMachines).toHaveLength(JOB_TYPES.length);
    for (const machine of jobMachines) {
      expect(JSON.stringify(machine)).toContain('"TimeoutSeconds\\":10800');
    }
  });

  it('reserves no concurrency by default, and what the deploy settings ask for the API and the copy', () => {
    const copy = WORKFLOW_FUNCTIONS.find((f) => f.state === WORKFLOW_STATES.fetchResults)!.id;

    template.allResourcesProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: Match.absent() });
    expect(functionNamed(scratch, copy).Properties.ReservedConcurrentExecutions).toBe(50);
    for (const family of API_FUNCTIONS) {
      expect(functionNamed(scratch, `${family}Function`).Properties.ReservedConcurrentExecutions, family).toBe(20);
    }
    const others = WORKFLOW_FUNCTIONS.filter((f) => f.id !== copy);
    expect(others.map((f) => functionNamed(scratch, f.id).Properties.ReservedConcurrentExecutions)).toEqual(
      others.map(() => undefined),
    );
  });

  it('runs every function on ARM with Node 24, source maps, X-Ray and its own log retention', () => {
    template.allResourcesProperties('AWS::Lambda::Function', {
      Architectures: ['arm64'],
      Runtime: 'nodejs24.x',
      TracingConfig: { Mode: 'Active' },
      Environment: { Variables: Match.objectLike({ NODE_OPTIONS: '--enable-source-maps' }) },
    });
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const fetchSpec = WORKFLOW_FUNCTIONS.find((f) => f.id === 'FetchResultsFunction');
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: fetchSpec?.memoryMb,
      Timeout: fetchSpec?.timeoutSeconds,
    });
  });

  it('logs every state without its data, traces, and encrypts executions with the data key', () => {
    template.allResourcesProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
      TracingConfiguration: { Enabled: true },
      EncryptionConfiguration: Match.objectLike({ Type: 'CUSTOMER_MANAGED_KMS_KEY' }),
    });
  });

  it('logs API access, never bodies, validates requests and answers gateway refusals in the API’s error envelope', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      MethodSettings: Match.arrayWith([Match.objectLike({ DataTraceEnabled: false, LoggingLevel: 'ERROR' })]),
      TracingEnabled: true,
    });
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'BAD_REQUEST_BODY',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"code":"VALIDATION_FAILED"') },
    });
  });

  it('grants no wildcard action on the data', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        (p.Properties as { PolicyDocument: { Statement: { Action: string | string[] }[] } }).PolicyDocument.Statement,
    );
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

    expect(actions.filter((a) => /^(dynamodb|secretsmanager|states):\*$|^\*$/.test(a))).toEqual([]);
  });

  it('ends the job of an execution that failed, timed out or was aborted, through an EventBridge rule', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: Match.anyValue() },
      },
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 8 },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkflowsExecutionEndedDeadLetters'), 'Arn'] },
          },
        }),
      ],
    });
  });

  it('keeps the end events it could not deliver for 14 days in an encrypted dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 14 * 86_400,
      SqsManagedSseEnabled: true,
    });
  });

  it('runs the reconciler every five minutes, with the table and the three machines’ executions to look at', () => {
    const reconciler = functionNamed(template, RECONCILE_JOBS_FUNCTION.id);

    expect(Object.keys(reconciler.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining([ENV.tableName, ...Object.values(STATE_MACHINE_ARN_ENV)]),
    );
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WorkflowsReconcileJobsFunction'), 'Arn'] },
      }),
    });
    const describes = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap(
        (p) =>
          (p.Properties as { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } }).PolicyDocument
            .Statement,
      )
      .filter((st) => st.Action === 'states:DescribeExecution');
    expect(JSON.stringify(describes)).toMatch(
      /execution:Mxflow-test-aggregate:\*.*execution:Mxflow-test-verify:\*.*execution:Mxflow-test-identify:\*/,
    );
  });

  it('alarms on what needs a person, to an encrypted topic e-mailed to on-call', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties as { AlarmActions: unknown[]; AlarmDescription: string },
    );

    // Which ones, and none on the end user's reasons: test/integration/infra/constructs/observability.test.ts.
    expect(alarms).toHaveLength(15);
    expect(alarms.every((a) => a.AlarmActions.length === 1)).toBe(true);
    expect(alarms.map((a) => a.AlarmDescription).join(' ')).toMatch(/MX answered 403/);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('tags everything with the service and stage', () => {
    expect(synthesized.tags).toMatchObject({ service: 'mxflow', stage: 'test' });
  });
});
