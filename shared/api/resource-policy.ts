import { API_ROUTES, type RouteSpec } from './routes.js';

/**
 * Who may call the API: the IAM principals of a deployment's allow-list, and the resource policy
 * API Gateway enforces from them. The CDK API deploys this document and the local API Gateway
 * evaluates the same one, so both let in exactly the same callers.
 */

/** A role, a user or a whole account (its root), in any partition. */
const PRINCIPAL_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):(root|role\/[\w+=,.@/-]+|user\/[\w+=,.@/-]+)$/;

export interface AllowedPrincipal {
  /** The ARN as listed, e.g. `arn:aws:iam::111122223333:role/backend` or `arn:aws:iam::111122223333:root`. */
  readonly arn: string;
  /** Its account; an account's root lets in every principal of that account its own IAM policies allow. */
  readonly account: string;
  readonly kind: 'account' | 'role' | 'user';
}

/** An allow-list entry, or why it is not one. */
export function parsePrincipal(arn: string): AllowedPrincipal | { readonly problem: string } {
  const match = PRINCIPAL_ARN.exec(arn.trim());
  if (!match)
    return {
      problem: `${JSON.stringify(arn)} is not an IAM role, user or account ARN (arn:aws:iam::<12-digit account>:role/<name>, :user/<name> or :root)`,
    };
  const [, , account, resource] = match;
  const kind = resource === 'root' ? 'account' : resource?.startsWith('role/') ? 'role' : 'user';
  return { arn: arn.trim(), account: account!, kind };
}

/** `arn:…,arn:…` (a deploy setting, an option) as principals; throws naming every entry that is not one. */
export function parsePrincipalList(list: string | readonly string[]): AllowedPrincipal[] {
  const entries = (typeof list === 'string' ? list.split(',') : list).map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length === 0) throw new Error('list at least one IAM role, user or account ARN');
  const parsed = entries.map(parsePrincipal);
  const problems = parsed.flatMap((p) => ('problem' in p ? [p.problem] : []));
  if (problems.length > 0) throw new Error(problems.join('; '));
  return parsed as AllowedPrincipal[];
}

const INVOKE = 'execute-api:Invoke';
/** API Gateway's shorthand for every method of every stage of this API. */
const EVERY_METHOD = 'execute-api:/*';

/** `execute-api:/*\/POST/webhooks/mx`: a route's methods on every stage, as a resource policy names them. */
export const routeResource = (route: Pick<RouteSpec, 'method' | 'path'>) =>
  `execute-api:/*/${route.method}${route.path.replace(/\{\w+\}/g, '*')}`;

/** The routes outside IAM auth: MX's webhook receiver, whose function checks MX's Basic credentials. */
export const OPEN_ROUTES = (API_ROUTES as readonly RouteSpec[]).filter((route) => route.auth === 'mx-webhook');

export interface ApiAccess {
  readonly allowedPrincipals: readonly AllowedPrincipal[];
  /** A private API: reachable only through these interface VPC endpoints (`vpce-…`), and then no open route. */
  readonly vpcEndpointIds?: readonly string[];
}

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal: '*' | { readonly AWS: string | readonly string[] };
  readonly Action: string;
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/**
 * The API's resource policy: the listed principals may invoke it, everyone else is refused by an
 * explicit Deny (within the same account IAM alone would let in any principal with
 * `execute-api:Invoke`), and only the open routes take unsigned callers. A private API refuses
 * every request that did not come through one of its endpoints, and has no open route: MX calls
 * from the internet, which a private API is closed to.
 */
export function apiResourcePolicy(access: ApiAccess): PolicyDocument {
  const principals = access.allowedPrincipals;
  const arns = principals.filter((p) => p.kind !== 'account').map((p) => p.arn);
  const accounts = principals.filter((p) => p.kind === 'account').map((p) => p.account);
  const vpce = access.vpcEndpointIds ?? [];
  const open = vpce.length > 0 ? [] : OPEN_ROUTES.map(routeResource);
  const statements: PolicyStatement[] = [
    {
      Sid: 'AllowListedPrincipals',
      Effect: 'Allow',
      Principal: { AWS: principals.map((p) => p.arn) },
      Action: INVOKE,
      Resource: EVERY_METHOD,
    },
    {
      // Both conditions must hold to refuse: neither a listed role or user, nor of a listed account.
      Sid: 'DenyUnlistedPrincipals',
      Effect: 'Deny',
      Principal: '*',
      Action: INVOKE,
      ...(open.length > 0 ? { NotResource: open } : { Resource: EVERY_METHOD }),
      Condition: {
        ...(arns.length > 0 ? { ArnNotLike: { 'aws:PrincipalArn': arns } } : {}),
        ...(accounts.length > 0 ? { StringNotEquals: { 'aws:PrincipalAccount': accounts } } : {}),
      },
    },
  ];
  if (open.length > 0) {
    statements.push({ Sid: 'AllowMxWebhooks', Effect: 'Allow', Principal: '*', Action: INVOKE, Resource: open });
  }
  if (vpce.length > 0) {
    statements.push({
      Sid: 'DenyOutsideVpcEndpoints',
      Effect: 'Deny',
      Principal: '*',
      Action: INVOKE,
      Resource: EVERY_METHOD,
      Condition: { StringNotEquals: { 'aws:SourceVpce': [...vpce] } },
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}
