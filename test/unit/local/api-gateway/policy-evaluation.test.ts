import { describe, expect, it } from 'vitest';
import { LOCAL_PRINCIPALS } from '#local/api-gateway/local-principals.js';
import { apiGatewayAdmits, evaluatePolicy, wildcardMatch } from '#local/api-gateway/policy-evaluation.js';
import { apiResourcePolicy, parsePrincipalList } from '#shared/api/resource-policy.js';

const API = 'arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5';
const resource = (method: string, path: string) => `${API}/prod/${method}${path}`;
const BACKEND = 'arn:aws:iam::111122223333:role/backend';
const policy = apiResourcePolicy({
  allowedPrincipals: parsePrincipalList(`${BACKEND},arn:aws:iam::444455556666:root`),
});

describe('the API resource policy, as API Gateway evaluates it', () => {
  it('allows a listed role, and every principal of a listed account', () => {
    const numbers = resource('GET', '/users/USR-1/members/MBR-1/account_numbers');

    expect(evaluatePolicy(policy, { principalArn: BACKEND, principalAccount: '111122223333', resource: numbers })).toBe(
      'allow',
    );
    expect(
      evaluatePolicy(policy, {
        principalArn: 'arn:aws:iam::444455556666:role/anything',
        principalAccount: '444455556666',
        resource: numbers,
      }),
    ).toBe('allow');
  });

  it('denies explicitly a principal of the same account that is not listed, so its own IAM policies cannot let it in', () => {
    const request = {
      principalArn: 'arn:aws:iam::111122223333:role/other',
      principalAccount: '111122223333',
      resource: resource('GET', '/users/USR-1'),
    };

    expect(evaluatePolicy(policy, request)).toBe('explicit-deny');
    expect(apiGatewayAdmits(policy, request)).toBe(false);
  });

  it("lets an unsigned caller reach MX's webhook route only", () => {
    expect(apiGatewayAdmits(policy, { resource: resource('POST', '/webhooks/mx') })).toBe(true);
    expect(evaluatePolicy(policy, { resource: resource('POST', '/users') })).toBe('explicit-deny');
    expect(evaluatePolicy(policy, { resource: resource('GET', '/webhooks/mx') })).toBe('explicit-deny');
  });

  it('refuses, on a private API, whatever did not come through its endpoint, and leaves no route open', () => {
    const closed = apiResourcePolicy({
      allowedPrincipals: parsePrincipalList(BACKEND),
      vpcEndpointIds: ['vpce-0123456789abcdef0'],
    });
    const caller = { principalArn: BACKEND, principalAccount: '111122223333' };

    expect(
      evaluatePolicy(closed, {
        ...caller,
        resource: resource('GET', '/institutions'),
        sourceVpce: 'vpce-0123456789abcdef0',
      }),
    ).toBe('allow');
    expect(evaluatePolicy(closed, { ...caller, resource: resource('GET', '/institutions') })).toBe('explicit-deny');
    expect(
      evaluatePolicy(closed, { resource: resource('POST', '/webhooks/mx'), sourceVpce: 'vpce-0123456789abcdef0' }),
    ).toBe('explicit-deny');
  });

  it('admits every principal the local stack defines when no allow-list is given', () => {
    const local = apiResourcePolicy({ allowedPrincipals: parsePrincipalList(LOCAL_PRINCIPALS.map((p) => p.arn)) });

    const admitted = LOCAL_PRINCIPALS.map((p) =>
      apiGatewayAdmits(local, {
        principalArn: p.arn,
        principalAccount: '123456789012',
        resource: 'arn:aws:execute-api:us-east-1:123456789012:local/local/GET/institutions',
      }),
    );

    expect(admitted).toEqual(LOCAL_PRINCIPALS.map(() => true));
  });
});

describe('IAM wildcards', () => {
  it('match * across slashes and ? as one character, nothing else', () => {
    expect(wildcardMatch(`${API}/*/POST/webhooks/mx`, resource('POST', '/webhooks/mx'))).toBe(true);
    expect(wildcardMatch(`${API}/*/POST/webhooks/mx`, resource('POST', '/webhooks/mx/more'))).toBe(false);
    expect(wildcardMatch('arn:aws:iam::111122223333:role/back?nd', BACKEND)).toBe(true);
    expect(wildcardMatch('arn:aws:iam::111122223333:role/back.nd', BACKEND)).toBe(false);
  });
});

describe('allow-list entries', () => {
  it('takes roles, users (with paths) and account roots, and names every entry that is none of them', () => {
    expect(
      parsePrincipalList(
        ' arn:aws:iam::111122223333:role/team/backend , arn:aws:iam::111122223333:user/ci,arn:aws:iam::444455556666:root',
      ),
    ).toEqual([
      { arn: 'arn:aws:iam::111122223333:role/team/backend', account: '111122223333', kind: 'role' },
      { arn: 'arn:aws:iam::111122223333:user/ci', account: '111122223333', kind: 'user' },
      { arn: 'arn:aws:iam::444455556666:root', account: '444455556666', kind: 'account' },
    ]);
    expect(() => parsePrincipalList('111122223333,arn:aws:sts::111122223333:assumed-role/backend/s')).toThrow(
      /"111122223333" is not an IAM role.*"arn:aws:sts::111122223333:assumed-role\/backend\/s" is not/,
    );
    expect(() => parsePrincipalList(' , ')).toThrow('list at least one');
  });
});
