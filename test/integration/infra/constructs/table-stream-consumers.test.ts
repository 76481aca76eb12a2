import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { SYNTH_TIMEOUT_MS, synthesizedStack, TEST_CONTEXT } from '#test/support/synthesized-template.js';

let template: Template;

beforeAll(async () => {
  ({ template } = await synthesizedStack());
}, SYNTH_TIMEOUT_MS);

/** The event source mappings on the table's stream, by the function they feed. */
function mappings(): { fn: string; props: Record<string, unknown> }[] {
  return Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).map((m) => ({
    fn: String((m.Properties as { FunctionName: { Ref: string } }).FunctionName.Ref),
    props: m.Properties as Record<string, unknown>,
  }));
}

describe("the functions the table's stream feeds", () => {
  it('streams old and new images, for the webhook processor and the event publisher only', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });

    expect(
      mappings()
        .map((m) => m.fn.replace(/[0-9A-F]{8}$/, ''))
        .sort(),
    ).toEqual(['EventsPublishEventsFunction', 'MxWebhooksProcessMxWebhooksFunction']);
  });

  it('hands each function only its items, retries a failed record from where it failed, and dead-letters it after', () => {
    const filters = (fn: string) =>
      JSON.stringify(mappings().find((m) => m.fn.startsWith(fn))?.props.FilterCriteria ?? {});

    for (const { props } of mappings()) {
      expect(props).toMatchObject({
        StartingPosition: 'LATEST',
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        MaximumRetryAttempts: 5,
        DestinationConfig: {
          OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/DeadLetters/), 'Arn'] } },
        },
      });
    }
    expect(filters('MxWebhooks')).toContain('WEBHOOK#');
    expect(filters('Events')).toContain('JOB#');
    expect(filters('Events')).toContain('MEMBER#');
    expect(filters('Events')).not.toContain('WEBHOOK#');
  });

  it("puts mxflow's events on a bus of the stage's name, which only the publisher may put on", () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'mxflow-test' });
    const putters = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties).includes('events:PutEvents'),
    );

    expect(putters.map((p) => JSON.stringify((p.Properties as { Roles: unknown }).Roles))).toEqual([
      expect.stringContaining('PublishEventsFunction'),
    ]);
  });
});

describe('signed callbacks, with a callback URL set at deploy', () => {
  it('sends every mxflow event to the delivery function, which Lambda retries twice before a dead-letter queue that alarms', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['mxflow'] },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeliverCallbackFunction'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21_600 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('CallbacksDeadLetters'), 'Arn'] } },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('CallbacksDeadLetters'), 'Arn'] } },
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CALLBACK_URL: TEST_CONTEXT.callbackUrl }) },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('signed callback'),
    });
  });
});
