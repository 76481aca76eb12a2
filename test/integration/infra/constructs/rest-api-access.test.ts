import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { addMxflowStack } from '#infra/mxflow-app.js';
import { apiGatewayAdmits, evaluatePolicy } from '#local/api-gateway/policy-evaluation.js';
import type { PolicyDocument } from '#shared/api/resource-policy.js';
import {
  SYNTH_TIMEOUT_MS,
  synthesizedStack,
  TEST_CONTEXT,
  templateTestApp,
} from '#test/support/synthesized-template.js';

const BACKEND = 'arn:aws:iam::111122223333:role/backend';
const PARTNER_ACCOUNT = '444455556666';
const ENDPOINT = 'vpce-0123456789abcdef0';
const PUBLIC_CONTEXT = { ...TEST_CONTEXT, allowedPrincipals: `${BACKEND},arn:aws:iam::${PARTNER_ACCOUNT}:root` };
const PRIVATE_CONTEXT = { stage: 'test', allowedPrincipals: BACKEND, privateApiVpcEndpointIds: ENDPOINT };

let listed: Template;
let privateApi: Template;
let byDefault: Template;
beforeAll(async () => {
  listed = (await synthesizedStack(PUBLIC_CONTEXT)).template;
  privateApi = (await synthesizedStack(PRIVATE_CONTEXT)).template;
  byDefault = (await synthesizedStack(TEST_CONTEXT)).template;
}, SYNTH_TIMEOUT_MS);

const restApiOf = (template: Template) => {
  const [api] = Object.values(template.findResources('AWS::ApiGateway::RestApi'));
  return api?.Properties as { Policy: PolicyDocument; EndpointConfiguration?: unknown };
};

/** A request to the deployed API as IAM sees it: `arn:…:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`. */
const request = (method: string, path: string, caller?: { arn: string; account: string }, sourceVpce?: string) => ({
  resource: `arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5/test/${method}${path}`,
  ...(caller ? { principalArn: caller.arn, principalAccount: caller.account } : {}),
  ...(sourceVpce ? { sourceVpce } : {}),
});
const backend = { arn: BACKEND, account: '111122223333' };
const NUMBERS = '/users/USR-1/members/MBR-1/account_numbers';

describe('who gets in: the API resource policy the stack deploys', () => {
  it('lets in the listed role and every principal of the listed account', () => {
    const policy = restApiOf(listed).Policy;

    expect(evaluatePolicy(policy, request('GET', NUMBERS, backend))).toBe('allow');
    expect(
      evaluatePolicy(
        policy,
        request('GET', NUMBERS, { arn: `arn:aws:iam::${PARTNER_ACCOUNT}:role/reader`, account: PARTNER_ACCOUNT }),
      ),
    ).toBe('allow');
  });

  it('refuses, by an explicit Deny, a principal of the same account that is not listed, whatever its IAM policies say', () => {
    const policy = restApiOf(listed).Policy;
    const insider = { arn: 'arn:aws:iam::111122223333:role/some-other-function', account: '111122223333' };

    expect(evaluatePolicy(policy, request('GET', NUMBERS, insider))).toBe('explicit-deny');
    expect(evaluatePolicy(policy, request('POST', '/users', insider))).toBe('explicit-deny');
  });

  it("opens MX's webhook route to unsigned callers, and no other", () => {
    const policy = restApiOf(listed).Policy;

    expect(apiGatewayAdmits(policy, request('POST', '/webhooks/mx'))).toBe(true);
    expect(apiGatewayAdmits(policy, request('GET', NUMBERS))).toBe(false);
    expect(apiGatewayAdmits(policy, request('POST', '/users'))).toBe(false);
  });

  it('lets in only the deploying account when no allow-list is given (any stage but prod)', () => {
    const policy = restApiOf(byDefault).Policy;

    expect(policy.Statement.find((s) => s.Sid === 'AllowListedPrincipals')?.Principal).toEqual({
      AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] },
    });
    expect(policy.Statement.find((s) => s.Sid === 'DenyUnlistedPrincipals')?.Condition).toEqual({
      StringNotEquals: { 'aws:PrincipalAccount': [{ Ref: 'AWS::AccountId' }] },
    });
  });

  it('fails the synth of prod without an allow-list, saying what to set', () => {
    expect(() => addMxflowStack(templateTestApp({ stage: 'prod' }))).toThrow(
      /allowedPrincipals is required on stage prod/,
    );
  });

  it('redeploys the stage when the policy changes (API Gateway applies a policy only with a new deployment)', () => {
    const deploymentOf = (template: Template) => Object.keys(template.findResources('AWS::ApiGateway::Deployment'));

    expect(deploymentOf(listed)).toHaveLength(1);
    expect(deploymentOf(listed)).not.toEqual(deploymentOf(byDefault));
  });

  it('answers a bad signature and a body over 10 MB in the error envelope', () => {
    const responses = Object.values(listed.findResources('AWS::ApiGateway::GatewayResponse')).map(
      (r) => r.Properties as { ResponseType: string; ResponseTemplates: Record<string, string> },
    );
    const envelope = (type: string) =>
      JSON.parse(responses.find((r) => r.ResponseType === type)?.ResponseTemplates['application/json'] ?? 'null');

    expect(envelope('INVALID_SIGNATURE')).toEqual({
      error: { code: 'INVALID_SIGNATURE', message: expect.any(String) },
    });
    expect(envelope('EXPIRED_TOKEN')).toEqual({ error: { code: 'INVALID_SIGNATURE', message: expect.any(String) } });
    expect(envelope('REQUEST_TOO_LARGE')).toEqual({
      error: { code: 'BODY_TOO_LARGE', message: 'the body is larger than 10485760 bytes' },
    });
  });
});

describe('a private API', () => {
  it('is of endpoint type PRIVATE, associated with its VPC endpoints', () => {
    expect(restApiOf(privateApi).EndpointConfiguration).toEqual({ Types: ['PRIVATE'], VpcEndpointIds: [ENDPOINT] });
  });

  it('refuses a listed principal outside its endpoints, and leaves no route open, webhooks included', () => {
    const policy = restApiOf(privateApi).Policy;

    expect(evaluatePolicy(policy, request('GET', NUMBERS, backend, ENDPOINT))).toBe('allow');
    expect(evaluatePolicy(policy, request('GET', NUMBERS, backend, 'vpce-0fedcba9876543210'))).toBe('explicit-deny');
    expect(evaluatePolicy(policy, request('GET', NUMBERS, backend))).toBe('explicit-deny');
    expect(apiGatewayAdmits(policy, request('POST', '/webhooks/mx', undefined, ENDPOINT))).toBe(false);
  });
});

describe('audit events in CloudWatch', () => {
  it("counts the results function's audit lines by route, with a metric filter on its log group", () => {
    const filters = Object.values(listed.findResources('AWS::Logs::MetricFilter')).map((r) => r.Properties);

    expect(filters).toContainEqual({
      FilterPattern: '{ $.message = "audit" }',
      LogGroupName: { Ref: expect.stringMatching(/^HttpresultsFunctionLogs/) },
      MetricTransformations: [
        {
          MetricNamespace: 'mxflow',
          MetricName: 'AuditedReads',
          MetricValue: '1',
          Dimensions: [
            { Key: 'service', Value: '$.service' },
            { Key: 'route', Value: '$.audit.route' },
          ],
        },
      ],
    });
  });
});
