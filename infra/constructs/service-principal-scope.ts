import { Lazy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { IConstruct } from 'constructs';

type Conditions = Record<string, Record<string, unknown>>;
type Statement = { Principal?: { Service?: unknown }; Condition?: Conditions } & Record<string, unknown>;

/**
 * For each AWS service a key of mxflow's lets in, the conditions that hold it to this account's
 * own resources, so no other account can have the service use the key for it (the confused deputy).
 */
function serviceScopes(stack: Stack): { service: string; conditions: Conditions }[] {
  const { account, region, partition } = stack;
  const inThisAccount = { StringEquals: { 'aws:SourceAccount': account } };
  return [
    // Step Functions' log delivery for the encrypted state machines.
    {
      service: 'delivery.logs.amazonaws.com',
      conditions: { ...inThisAccount, ArnLike: { 'aws:SourceArn': `arn:${partition}:logs:${region}:${account}:*` } },
    },
    // CloudWatch alarms publishing to the encrypted alarm topic.
    {
      service: 'cloudwatch.amazonaws.com',
      conditions: {
        ...inThisAccount,
        ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
      },
    },
    // CloudWatch Logs encrypting a log group: its documented scope is the log group's ARN, which
    // it puts in the encryption context (its KMS calls carry no aws:SourceArn).
    {
      service: `logs.${region}.amazonaws.com`,
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` },
      },
    },
  ];
}

const SOURCE_KEYS = ['aws:SourceAccount', 'aws:SourceArn', 'kms:EncryptionContext:aws:logs:arn'];

/**
 * Every key policy in `root`, as synthesized, with each statement that lets an AWS service in
 * scoped to this account's resources (aws:SourceAccount / aws:SourceArn, or the service's own
 * documented equivalent). CDK adds some of these statements itself (Step Functions' log delivery),
 * so the scope is applied to the finished policy. A service without a scope here fails the synth.
 */
export function scopeServicePrincipals(root: IConstruct): void {
  for (const construct of root.node.findAll()) {
    if (!(construct instanceof kms.Key)) continue;
    const stack = Stack.of(construct);
    const cfn = construct.node.defaultChild as kms.CfnKey;
    const policy: unknown = cfn.keyPolicy;
    cfn.keyPolicy = Lazy.any({
      produce: () => {
        const document = stack.resolve(policy) as { Statement: Statement[] };
        const scopes = serviceScopes(stack).map((s) => ({ ...s, resolved: JSON.stringify(stack.resolve(s.service)) }));
        const Statement = document.Statement.map((statement) => {
          const services = [statement.Principal?.Service ?? []].flat();
          if (services.length === 0 || hasSourceCondition(statement)) return statement;
          const scope = scopes.find((s) => services.every((service) => JSON.stringify(service) === s.resolved));
          if (!scope) {
            throw new Error(
              `the key ${construct.node.path} lets ${JSON.stringify(services)} in without aws:SourceAccount or aws:SourceArn: give the service a scope in infra/constructs/service-principal-scope.ts`,
            );
          }
          return { ...statement, Condition: { ...statement.Condition, ...scope.conditions } };
        });
        return { ...document, Statement };
      },
    });
  }
}

function hasSourceCondition(statement: Statement): boolean {
  return Object.values(statement.Condition ?? {}).some((byKey) =>
    Object.keys(byKey).some((k) => SOURCE_KEYS.includes(k)),
  );
}
