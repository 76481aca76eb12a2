import type { PolicyDocument, PolicyStatement } from '#shared/api/resource-policy.js';

/**
 * How API Gateway reads a resource policy, for the statements mxflow writes: Allow and Deny,
 * `*` and AWS principals (an account's root stands for every principal of that account),
 * Resource and NotResource with `*` and `?` wildcards (`execute-api:/…` is short for the API's
 * own ARN), and the String and Arn condition operators on the request's keys. Anything else in a
 * policy is refused loudly rather than guessed at.
 */

/** Who is asking, for what: the request context IAM evaluates a policy against. */
export interface PolicyRequest {
  /** `arn:aws:iam::111122223333:role/backend` (a session's role, as `aws:PrincipalArn` gives it); none unsigned. */
  readonly principalArn?: string;
  readonly principalAccount?: string;
  /** `arn:aws:execute-api:<region>:<account>:<api id>/<stage>/<METHOD>/<path>`. */
  readonly resource: string;
  /** The interface VPC endpoint the request came through, for a private API. */
  readonly sourceVpce?: string;
}

export type PolicyDecision = 'explicit-deny' | 'allow' | 'no-allow';

/** The decision of the whole policy: any matching Deny wins, then any matching Allow. */
export function evaluatePolicy(policy: PolicyDocument, request: PolicyRequest): PolicyDecision {
  const apiArn = request.resource.split('/')[0] ?? '';
  const matching = policy.Statement.filter((s) => statementApplies(s, request, apiArn));
  if (matching.some((s) => s.Effect === 'Deny')) return 'explicit-deny';
  return matching.some((s) => s.Effect === 'Allow') ? 'allow' : 'no-allow';
}

/**
 * Whether API Gateway lets the request through to the integration. Within the API's own account
 * a signed caller's IAM policies may allow it where the resource policy is silent (the local
 * principals are taken to have `execute-api:Invoke`), so only an explicit Deny refuses it; an
 * unsigned caller of a route without IAM auth needs the resource policy's own Allow.
 */
export function apiGatewayAdmits(policy: PolicyDocument, request: PolicyRequest): boolean {
  const decision = evaluatePolicy(policy, request);
  if (decision === 'explicit-deny') return false;
  return decision === 'allow' || request.principalArn !== undefined;
}

function statementApplies(statement: PolicyStatement, request: PolicyRequest, apiArn: string): boolean {
  if (statement.Action !== 'execute-api:Invoke' && statement.Action !== '*' && statement.Action !== 'execute-api:*')
    throw new Error(`a policy action this evaluator does not know: ${JSON.stringify(statement.Action)}`);
  if (!principalMatches(statement.Principal, request)) return false;
  const expand = (pattern: string) => pattern.replace(/^execute-api:\//, `${apiArn}/`);
  if (statement.Resource !== undefined) {
    if (!asList(statement.Resource).some((r) => wildcardMatch(expand(r), request.resource))) return false;
  } else if (statement.NotResource !== undefined) {
    if (asList(statement.NotResource).some((r) => wildcardMatch(expand(r), request.resource))) return false;
  } else {
    throw new Error(`statement ${statement.Sid} names no Resource nor NotResource`);
  }
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) => conditionHolds(operator, contextValue(key, request), asList(values))),
  );
}

function principalMatches(principal: PolicyStatement['Principal'], request: PolicyRequest): boolean {
  if (principal === '*') return true;
  return asList(principal.AWS).some((listed) => {
    if (listed === '*') return true;
    if (request.principalArn === undefined) return false;
    const root = /^arn:[\w-]+:iam::(\d{12}):root$/.exec(listed);
    if (root) return root[1] === request.principalAccount;
    if (/^\d{12}$/.test(listed)) return listed === request.principalAccount;
    return listed === request.principalArn;
  });
}

function contextValue(key: string, request: PolicyRequest): string | undefined {
  switch (key.toLowerCase()) {
    case 'aws:principalarn':
      return request.principalArn;
    case 'aws:principalaccount':
      return request.principalAccount;
    case 'aws:sourcevpce':
      return request.sourceVpce;
    default:
      throw new Error(`a condition key this evaluator does not know: ${key}`);
  }
}

/** IAM's rule for a key the request lacks: a positive operator fails, a negated one holds. */
function conditionHolds(operator: string, value: string | undefined, values: readonly string[]): boolean {
  if (!/^(String|Arn)(Not)?(Equals|Like)$/.test(operator))
    throw new Error(`a condition operator this evaluator does not know: ${operator}`);
  const negated = /Not/.test(operator);
  if (value === undefined) return negated;
  // IAM's Arn operators take wildcards whether Equals or Like.
  const wildcards = /Like$/.test(operator) || operator.startsWith('Arn');
  const matches = values.some((v) => (wildcards ? wildcardMatch(v, value) : v === value));
  return negated ? !matches : matches;
}

/** IAM's wildcards: `*` any run of characters (slashes included), `?` any one character. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 's').test(value);
}

const asList = <T>(value: T | readonly T[]): readonly T[] => (Array.isArray(value) ? value : [value as T]);
