import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDeploySettings } from '#infra/deploy-settings.js';
import { addMxflowStack } from '#infra/mxflow-app.js';
import { WORKFLOW_FUNCTIONS } from '#shared/contract/workflow.js';
import {
  SYNTH_TIMEOUT_MS,
  type SynthesizedStack,
  synthesizedStack,
  TEST_CONTEXT,
  templateTestApp,
} from '#test/support/synthesized-template.js';

let synthesized: SynthesizedStack;
let template: Template;
let prod: Template;
beforeAll(async () => {
  synthesized = await synthesizedStack(TEST_CONTEXT);
  template = synthesized.template;
  prod = (await synthesizedStack({ stage: 'prod' })).template;
}, SYNTH_TIMEOUT_MS);

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

  it('keeps data in a table encrypted with its own key, recoverable to a point in time, protected in production', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    prod.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
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
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 8 } })],
    });
  });

  it('alarms on failed executions, function errors, API 5xx and each way MX refuses mxflow, to an encrypted topic e-mailed to on-call', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties as { AlarmActions: unknown[]; AlarmDescription: string },
    );

    // 1 executions + 2 function groups + API 5xx + 4 MX refusals (test/infra/constructs/observability.test.ts).
    expect(alarms).toHaveLength(8);
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
