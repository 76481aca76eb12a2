import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDeploySettings } from '#infra/deploy-settings.js';
import { API_FUNCTION_CALLS_MX, API_FUNCTIONS } from '#shared/api/routes.js';
import {
  DELETION_FUNCTIONS,
  EXECUTION_ENDED_FUNCTION,
  PROCESS_MX_WEBHOOKS_FUNCTION,
  WORKFLOW_FUNCTIONS,
} from '#shared/contract/workflow.js';
import { PROD_CONTEXT, SYNTH_TIMEOUT_MS, synthesizedStack } from '#test/support/synthesized-template.js';

/** The stack as `npx cdk synth -c key=value …` builds it, bundling skipped, once per run. */
const synthesize = async (context: Record<string, string>) => (await synthesizedStack(context)).template;

type Resource = { Properties: Record<string, unknown> };
/** Each function's construct id (its logical id starts with it), with whether it runs in the VPC. */
const functionsInVpc = (template: Template) =>
  Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, Resource>).map(
    ([logicalId, fn]) => ({
      logicalId,
      vpc: fn.Properties.VpcConfig as { SubnetIds: { Ref: string }[]; SecurityGroupIds: unknown[] } | undefined,
    }),
  );
const inVpc = (template: Template, constructId: string) => {
  const matches = functionsInVpc(template).filter((f) =>
    new RegExp(`(Workflows|Http|MxWebhooks|Deletions)${constructId}[0-9A-F]{8}$`).test(f.logicalId),
  );
  expect(matches, constructId).toHaveLength(1);
  return matches[0]!.vpc !== undefined;
};

const mxCallers = [
  ...WORKFLOW_FUNCTIONS.filter((f) => f.callsMx).map((f) => f.id),
  ...API_FUNCTIONS.filter((f) => API_FUNCTION_CALLS_MX[f]).map((f) => `${f}Function`),
  PROCESS_MX_WEBHOOKS_FUNCTION.id,
  ...DELETION_FUNCTIONS.filter((f) => f.callsMx).map((f) => f.id),
];
const others = [
  ...WORKFLOW_FUNCTIONS.filter((f) => !f.callsMx).map((f) => f.id),
  EXECUTION_ENDED_FUNCTION.id,
  ...API_FUNCTIONS.filter((f) => !API_FUNCTION_CALLS_MX[f]).map((f) => `${f}Function`),
  ...DELETION_FUNCTIONS.filter((f) => !f.callsMx).map((f) => f.id),
];

describe('static egress for MX’s IP allow-list', () => {
  let prod: Template;
  let threeZones: Template;
  let withoutEgress: Template[];
  let devWithEgress: Template;
  beforeAll(async () => {
    prod = await synthesize(PROD_CONTEXT);
    threeZones = await synthesize({ ...PROD_CONTEXT, mxEgressAzs: '3' });
    withoutEgress = [await synthesize({}), await synthesize({ ...PROD_CONTEXT, mxEgress: 'none' })];
    devWithEgress = await synthesize({ mxEgress: 'static' });
  }, SYNTH_TIMEOUT_MS);

  it('gives prod a VPC with a NAT gateway on its own Elastic IP in each of two zones, and outputs the IPs to allow-list', () => {
    prod.resourceCountIs('AWS::EC2::VPC', 1);
    prod.resourceCountIs('AWS::EC2::NatGateway', 2);
    prod.resourceCountIs('AWS::EC2::EIP', 2);
    const eips = Object.keys(prod.findResources('AWS::EC2::EIP'));
    const nats = Object.values(prod.findResources('AWS::EC2::NatGateway') as Record<string, Resource>);

    // Each NAT gateway uses one of the stack's own EIPs, so the output lists every address MX sees.
    expect(nats.map((n) => (n.Properties.AllocationId as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]).sort()).toEqual(
      [...eips].sort(),
    );
    prod.hasOutput('MxEgressIps', {
      Value: { 'Fn::Join': [',', eips.map((id) => ({ 'Fn::GetAtt': [id, 'PublicIp'] }))] },
    });
  });

  it('puts every function that calls MX in the private subnets, HTTPS out only, and leaves the others outside the VPC', () => {
    const privateSubnets = Object.entries(prod.findResources('AWS::EC2::Subnet') as Record<string, Resource>)
      .filter(([, s]) =>
        (s.Properties.Tags as { Key: string; Value: string }[]).some(
          (t) => t.Key === 'aws-cdk:subnet-type' && t.Value === 'Private',
        ),
      )
      .map(([id]) => id);

    expect(mxCallers.filter((id) => !inVpc(prod, id))).toEqual([]);
    expect(others.filter((id) => inVpc(prod, id))).toEqual([]);
    expect(others).toEqual(
      expect.arrayContaining([
        'RecordSuccessFunction',
        'RecordFailureFunction',
        'ExecutionEndedFunction',
        'resultsFunction',
      ]),
    );
    for (const fn of functionsInVpc(prod).filter((f) => f.vpc)) {
      expect(fn.vpc!.SubnetIds.map((s) => s.Ref).sort()).toEqual([...privateSubnets].sort());
    }
    prod.hasResourceProperties('AWS::EC2::SecurityGroup', {
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })],
      SecurityGroupIngress: Match.absent(),
    });
  });

  it('lets the functions in the VPC manage their network interfaces and reach DynamoDB through a gateway endpoint', () => {
    const roles = Object.values(prod.findResources('AWS::IAM::Role') as Record<string, Resource>);
    const withVpcPolicy = roles.filter((r) =>
      JSON.stringify(r.Properties.ManagedPolicyArns ?? []).includes('AWSLambdaVPCAccessExecutionRole'),
    );

    expect(withVpcPolicy).toHaveLength(mxCallers.length);
    prod.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('dynamodb')])] }),
      VpcEndpointType: 'Gateway',
    });
  });

  it('logs the VPC’s flows to a log group encrypted with its own key', () => {
    const [logGroupId] = Object.keys(
      prod.findResources('AWS::Logs::LogGroup', { Properties: { KmsKeyId: Match.anyValue() } }),
    );

    expect(logGroupId).toBeDefined();
    prod.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogGroupName: { Ref: logGroupId },
    });
  });

  it('passes cdk-nag with static egress, every finding acknowledged with a reason', async () => {
    // cdk-nag checks every synth, as `cdk synth` does: a finding nobody acknowledged fails it.
    await expect(synthesize({ ...PROD_CONTEXT, mxEgressAzs: '3' })).resolves.toBeDefined();
  });

  it('uses as many zones as -c mxEgressAzs asks, one NAT gateway and Elastic IP each', () => {
    threeZones.resourceCountIs('AWS::EC2::NatGateway', 3);
    threeZones.resourceCountIs('AWS::EC2::EIP', 3);
    threeZones.hasResourceProperties('AWS::EC2::Subnet', {
      AvailabilityZone: { 'Fn::Select': [2, { 'Fn::GetAZs': '' }] },
    });
  });

  it('has no VPC, NAT or Elastic IP on dev, nor on prod with -c mxEgress=none; dev can ask for static egress', () => {
    for (const template of withoutEgress) {
      template.resourceCountIs('AWS::EC2::VPC', 0);
      template.resourceCountIs('AWS::EC2::NatGateway', 0);
      template.resourceCountIs('AWS::EC2::EIP', 0);
      expect(functionsInVpc(template).filter((f) => f.vpc)).toEqual([]);
      expect(Object.keys(template.findOutputs('MxEgressIps'))).toEqual([]);
    }
    devWithEgress.resourceCountIs('AWS::EC2::NatGateway', 2);
  });

  it('refuses an egress setting it cannot use, naming it', () => {
    const settings = (context: Record<string, string>) => () => readDeploySettings((key) => context[key]);

    expect(settings({ mxEgress: 'foo' })).toThrow(/mxEgress: static \(fixed IPs for MX to allow-list\) or none/);
    expect(settings({ stage: 'prod', mxEgressAzs: '0' })).toThrow(/mxEgressAzs: at least 1 availability zone/);
    expect(settings({ stage: 'prod', mxEgressAzs: 'two' })).toThrow(/mxEgressAzs: a whole number/);
    expect(settings({ stage: 'prod', mxEgressAzs: '1.5' })).toThrow(/mxEgressAzs: a whole number/);
    expect(settings({ mxEgressAzs: '3' })).toThrow(/mxEgressAzs needs mxEgress=static/);
    expect(readDeploySettings((key) => ({ ...PROD_CONTEXT })[key])).toMatchObject({ mxEgress: { azs: 2 } });
    expect(readDeploySettings(() => undefined)).not.toHaveProperty('mxEgress');
  });
});
