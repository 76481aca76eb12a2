import { IntrinsicResolver, type CfnTemplate } from './cfn-intrinsics.js';

export interface TemplateStateMachine {
  logicalId: string;
  /** The StateMachineName property if set, else the logical id. */
  name: string;
  /** Parsed ASL, with intrinsics replaced by stable fake values. */
  definition: object;
}

export interface FakeEnvironmentOptions {
  region?: string;
  accountId?: string;
}

/**
 * Extracts every AWS::StepFunctions::StateMachine of a synthesized CloudFormation template (from
 * `Template.fromStack(stack).toJSON()` or a cloud assembly) as runnable ASL. DefinitionString (a
 * string or intrinsics building one) or an inline Definition object are both accepted, then
 * DefinitionSubstitutions are applied; `Fn::GetAtt [Fn, Arn]` becomes e.g.
 * `arn:aws:lambda:us-east-1:123456789012:function:Fn` (see cfn-intrinsics.ts).
 */
export function stateMachinesFromTemplate(template: object, options: FakeEnvironmentOptions = {}): TemplateStateMachine[] {
  const cfn = template as CfnTemplate;
  const resolver = new IntrinsicResolver(cfn, { region: options.region ?? 'us-east-1', accountId: options.accountId ?? '123456789012' });
  const machines: TemplateStateMachine[] = [];
  for (const [logicalId, resource] of Object.entries(cfn.Resources ?? {})) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const properties = resource.Properties ?? {};
    const substitutions = Object.entries((resolver.resolve(properties.DefinitionSubstitutions) ?? {}) as Record<string, unknown>);
    const substitute = (text: string): string =>
      substitutions.reduce((result, [key, value]) => result.split(`\${${key}}`).join(String(value)), text);

    let definition: object;
    if (properties.DefinitionString !== undefined) {
      // AWS substitutes textually in the definition string before parsing it.
      const text = substitute(resolver.resolveString(properties.DefinitionString, `${logicalId}.DefinitionString`));
      definition = JSON.parse(text) as object;
    } else if (properties.Definition !== undefined) {
      definition = substituteInStrings(resolver.resolve(properties.Definition), substitute) as object;
    } else {
      throw new Error(`State machine ${logicalId} has neither DefinitionString nor Definition (DefinitionS3Location is not supported)`);
    }
    const name = properties.StateMachineName === undefined ? logicalId : resolver.resolveString(properties.StateMachineName, `${logicalId}.StateMachineName`);
    machines.push({ logicalId, name, definition });
  }
  return machines;
}

function substituteInStrings(value: unknown, substitute: (text: string) => string): unknown {
  if (typeof value === 'string') return substitute(value);
  if (Array.isArray(value)) return value.map((item) => substituteInStrings(item, substitute));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substituteInStrings(item, substitute)]));
  }
  return value;
}
