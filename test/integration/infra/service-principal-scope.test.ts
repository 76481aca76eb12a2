import { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { scopeServicePrincipals } from '#infra/constructs/service-principal-scope.js';
import {
  SYNTH_TIMEOUT_MS,
  synthesizedStack,
  TEST_CONTEXT,
  templateTestApp,
} from '#test/support/synthesized-template.js';

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Principal?: { Service?: unknown }; Condition?: Record<string, Record<string, unknown>> };

/** Every resource-policy statement that lets an AWS service in: key, queue and topic policies, Lambda permissions. */
function serviceGrants(template: Template): { resource: string; service: string; condition: Statement['Condition'] }[] {
  const resources = template.toJSON().Resources as Record<string, Resource>;
  return Object.entries(resources).flatMap(([logicalId, resource]) => {
    if (resource.Type === 'AWS::Lambda::Permission') {
      const { Principal, SourceArn, SourceAccount } = resource.Properties;
      const condition = {
        ...(SourceArn ? { ArnLike: { 'aws:SourceArn': SourceArn } } : {}),
        ...(SourceAccount ? { StringEquals: { 'aws:SourceAccount': SourceAccount } } : {}),
      };
      return [{ resource: logicalId, service: JSON.stringify(Principal), condition }];
    }
    const document = (resource.Properties.KeyPolicy ?? resource.Properties.PolicyDocument) as
      | { Statement?: Statement[] }
      | undefined;
    if (!['AWS::KMS::Key', 'AWS::SQS::QueuePolicy', 'AWS::SNS::TopicPolicy'].includes(resource.Type)) return [];
    return (document?.Statement ?? [])
      .filter((statement) => statement.Principal?.Service !== undefined)
      .map((statement) => ({
        resource: logicalId,
        service: JSON.stringify(statement.Principal?.Service),
        condition: statement.Condition,
      }));
  });
}

const SCOPING_KEYS = ['aws:SourceAccount', 'aws:SourceArn', 'kms:EncryptionContext:aws:logs:arn'];
const scoped = (condition: Statement['Condition']) =>
  Object.values(condition ?? {}).some((byKey) => Object.keys(byKey).some((key) => SCOPING_KEYS.includes(key)));

let templates: Template[];
let withEgress: Template;
beforeAll(async () => {
  withEgress = (await synthesizedStack({ mxEgress: 'static' })).template;
  templates = [(await synthesizedStack(TEST_CONTEXT)).template, withEgress];
}, SYNTH_TIMEOUT_MS);

describe('AWS services in mxflow’s resource policies', () => {
  it('are held to this account’s own resources, in every key, queue, topic and function policy', () => {
    const grants = templates.flatMap(serviceGrants);

    expect(grants.length).toBeGreaterThan(10);
    expect(grants.filter((grant) => !scoped(grant.condition))).toEqual([]);
  });

  it('let the alarm topic’s key be used by CloudWatch only for this account’s alarms', () => {
    const grant = serviceGrants(templates[0]!).find((g) => g.service.includes('cloudwatch.amazonaws.com'));

    expect(grant?.condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: {
        'aws:SourceArn': {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':cloudwatch:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':alarm:*',
            ],
          ],
        },
      },
    });
  });

  it('let the data key be used by log delivery only for this account’s logs', () => {
    const grant = serviceGrants(templates[0]!).find((g) => g.service.includes('delivery.logs.amazonaws.com'));

    expect(grant?.resource).toMatch(/^DataKey/);
    expect(grant?.condition?.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
    expect(JSON.stringify(grant?.condition?.ArnLike)).toContain(':logs:');
  });

  it('let the flow logs’ key encrypt only this account’s log groups', () => {
    const grant = serviceGrants(withEgress).find((g) => g.resource.startsWith('MxEgressFlowLogsKey'));

    expect(grant?.service).toContain('logs.');
    expect(JSON.stringify(grant?.condition?.ArnLike?.['kms:EncryptionContext:aws:logs:arn'])).toContain(':log-group:*');
  });

  it('fails the synth for a key that lets in a service it has no scope for', () => {
    const app = templateTestApp({});
    const stack = new Stack(app, 'Scoped');
    new kms.Key(stack, 'Key').grantDecrypt(new iam.ServicePrincipal('example.amazonaws.com'));
    scopeServicePrincipals(stack);

    expect(() => app.synth()).toThrow(/example\.amazonaws\.com.*without aws:SourceAccount or aws:SourceArn/);
  });
});
