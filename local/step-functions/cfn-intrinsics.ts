/** A synthesized CloudFormation template, as far as intrinsic resolution needs it. */
export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Parameters?: Record<string, { Default?: unknown }>;
  Conditions?: Record<string, unknown>;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

export interface FakeEnvironment {
  region: string;
  accountId: string;
}

/** Per resource type: the property holding its physical name, and how Ref / GetAtt look in AWS. */
interface ResourceShape {
  nameProperty?: string;
  ref: (name: string, env: FakeEnvironment) => string;
  attributes: Record<string, (name: string, env: FakeEnvironment) => string>;
}

const byName = (name: string): string => name;

const SHAPES: Record<string, ResourceShape> = {
  'AWS::Lambda::Function': {
    nameProperty: 'FunctionName',
    ref: byName,
    attributes: { Arn: (name, { region, accountId }) => `arn:aws:lambda:${region}:${accountId}:function:${name}` },
  },
  'AWS::StepFunctions::StateMachine': {
    nameProperty: 'StateMachineName',
    ref: (name, env) => stateMachineArn(name, env),
    attributes: { Arn: (name, env) => stateMachineArn(name, env), Name: byName },
  },
  'AWS::DynamoDB::Table': {
    nameProperty: 'TableName',
    ref: byName,
    attributes: {
      Arn: (name, { region, accountId }) => `arn:aws:dynamodb:${region}:${accountId}:table/${name}`,
      StreamArn: (name, { region, accountId }) => `arn:aws:dynamodb:${region}:${accountId}:table/${name}/stream/1970-01-01T00:00:00.000`,
    },
  },
  'AWS::SQS::Queue': {
    nameProperty: 'QueueName',
    ref: (name, { region, accountId }) => `https://sqs.${region}.amazonaws.com/${accountId}/${name}`,
    attributes: {
      Arn: (name, { region, accountId }) => `arn:aws:sqs:${region}:${accountId}:${name}`,
      QueueName: byName,
      QueueUrl: (name, { region, accountId }) => `https://sqs.${region}.amazonaws.com/${accountId}/${name}`,
    },
  },
  'AWS::SNS::Topic': {
    nameProperty: 'TopicName',
    ref: (name, { region, accountId }) => `arn:aws:sns:${region}:${accountId}:${name}`,
    attributes: { TopicArn: (name, { region, accountId }) => `arn:aws:sns:${region}:${accountId}:${name}`, TopicName: byName },
  },
  'AWS::IAM::Role': {
    nameProperty: 'RoleName',
    ref: byName,
    attributes: { Arn: (name, { accountId }) => `arn:aws:iam::${accountId}:role/${name}`, RoleId: (name) => `AROA${name.toUpperCase()}` },
  },
  'AWS::SecretsManager::Secret': {
    nameProperty: 'Name',
    ref: (name, { region, accountId }) => `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-AbCdEf`,
    attributes: { Id: (name, { region, accountId }) => `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-AbCdEf` },
  },
  'AWS::Events::EventBus': {
    nameProperty: 'Name',
    ref: byName,
    attributes: { Arn: (name, { region, accountId }) => `arn:aws:events:${region}:${accountId}:event-bus/${name}`, Name: byName },
  },
  'AWS::Logs::LogGroup': {
    nameProperty: 'LogGroupName',
    ref: byName,
    attributes: { Arn: (name, { region, accountId }) => `arn:aws:logs:${region}:${accountId}:log-group:${name}:*` },
  },
};

function stateMachineArn(name: string, { region, accountId }: FakeEnvironment): string {
  return `arn:aws:states:${region}:${accountId}:stateMachine:${name}`;
}

/** Marks `AWS::NoValue`: the property or list item it stands for is dropped. */
const NO_VALUE = Symbol('AWS::NoValue');

/**
 * Resolves CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split,
 * Fn::If with Conditions, Fn::ImportValue, Fn::Base64) with stable fake values, as if the stack
 * were deployed in `env`: resources get their physical-name property or else their logical id.
 */
export class IntrinsicResolver {
  private readonly pseudo: Record<string, unknown>;

  constructor(
    private readonly template: CfnTemplate,
    private readonly env: FakeEnvironment,
  ) {
    this.pseudo = {
      'AWS::Partition': 'aws',
      'AWS::Region': env.region,
      'AWS::AccountId': env.accountId,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': 'local-stack',
      'AWS::StackId': `arn:aws:cloudformation:${env.region}:${env.accountId}:stack/local-stack/00000000-0000-0000-0000-000000000000`,
      'AWS::NotificationARNs': [],
      'AWS::NoValue': NO_VALUE,
    };
  }

  /** Deeply resolves every intrinsic in `value`. */
  resolve(value: unknown): unknown {
    const resolved = this.resolveValue(value);
    return resolved === NO_VALUE ? undefined : resolved;
  }

  /** Resolves `value` and requires a string (e.g. a DefinitionString). */
  resolveString(value: unknown, what: string): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string') throw new Error(`${what} did not resolve to a string`);
    return resolved;
  }

  private resolveValue(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolveValue(item)).filter((item) => item !== NO_VALUE);
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value);
    const [key, argument] = entries[0] ?? [];
    if (entries.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))) return this.intrinsic(key, argument);
    const result: Record<string, unknown> = {};
    for (const [name, item] of entries) {
      const resolved = this.resolveValue(item);
      if (resolved !== NO_VALUE) result[name] = resolved;
    }
    return result;
  }

  private intrinsic(name: string, argument: unknown): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(String(argument));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument) ? argument.map((part) => String(this.resolveValue(part))) : splitOnce(String(argument), '.');
        return this.getAtt(String(logicalId), String(attribute));
      }
      case 'Fn::Join': {
        const [delimiter, parts] = argument as [string, unknown];
        return (this.resolveValue(parts) as unknown[]).map(String).join(delimiter);
      }
      case 'Fn::Sub': {
        const [text, variables] = Array.isArray(argument) ? (argument as [string, Record<string, unknown>]) : [String(argument), {}];
        return this.sub(text, this.resolveValue(variables) as Record<string, unknown>);
      }
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        return (this.resolveValue(list) as unknown[])[Number(this.resolveValue(index))];
      }
      case 'Fn::Split': {
        const [delimiter, text] = argument as [string, unknown];
        return String(this.resolveValue(text)).split(delimiter);
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = argument as [string, unknown, unknown];
        return this.resolveValue(this.condition(condition) ? whenTrue : whenFalse);
      }
      case 'Fn::ImportValue':
        return `imported-${String(this.resolveValue(argument))}`;
      case 'Fn::Base64':
        return Buffer.from(String(this.resolveValue(argument))).toString('base64');
      case 'Fn::GetAZs':
        return ['a', 'b', 'c'].map((zone) => `${this.env.region}${zone}`);
      default:
        throw new Error(`Unsupported CloudFormation intrinsic ${name}`);
    }
  }

  private ref(logicalId: string): unknown {
    if (logicalId in this.pseudo) return this.pseudo[logicalId];
    const parameter = this.template.Parameters?.[logicalId];
    if (parameter) return parameter.Default !== undefined ? this.resolveValue(parameter.Default) : logicalId;
    const resource = this.resource(logicalId);
    const shape = SHAPES[resource.Type];
    return shape ? shape.ref(this.physicalName(logicalId, resource, shape), this.env) : logicalId;
  }

  private getAtt(logicalId: string, attribute: string): string {
    const resource = this.resource(logicalId);
    const shape = SHAPES[resource.Type];
    const name = this.physicalName(logicalId, resource, shape);
    const known = shape?.attributes[attribute];
    if (known) return known(name, this.env);
    if (attribute === 'Arn') {
      // AWS::Service::Thing → arn:aws:service:region:account:thing/name
      const [, service = 'unknown', kind = 'resource'] = resource.Type.split('::');
      return `arn:aws:${service.toLowerCase()}:${this.env.region}:${this.env.accountId}:${kind.toLowerCase()}/${name}`;
    }
    return `${name}.${attribute}`;
  }

  private sub(text: string, variables: Record<string, unknown>): string {
    return text.replace(/\$\{([^}]*)\}/g, (_match, expression: string) => {
      if (expression.startsWith('!')) return `\${${expression.slice(1)}}`; // ${!Literal} escapes
      if (expression in variables) return String(variables[expression]);
      if (expression in this.pseudo || !expression.includes('.')) return String(this.ref(expression));
      const [logicalId, attribute] = splitOnce(expression, '.');
      return this.getAtt(logicalId, attribute);
    });
  }

  private condition(name: string): boolean {
    const definition = this.template.Conditions?.[name];
    if (definition === undefined) throw new Error(`Unknown condition ${name}`);
    return this.evaluateCondition(definition);
  }

  private evaluateCondition(expression: unknown): boolean {
    const [key, argument] = Object.entries(expression as Record<string, unknown>)[0] ?? [];
    const operands = Array.isArray(argument) ? argument : [];
    switch (key) {
      case 'Fn::Equals':
        return JSON.stringify(this.resolveValue(operands[0])) === JSON.stringify(this.resolveValue(operands[1]));
      case 'Fn::Not':
        return !this.evaluateCondition(operands[0]);
      case 'Fn::And':
        return operands.every((operand) => this.evaluateCondition(operand));
      case 'Fn::Or':
        return operands.some((operand) => this.evaluateCondition(operand));
      case 'Condition':
        return this.condition(String(argument));
      default:
        throw new Error(`Unsupported condition function ${String(key)}`);
    }
  }

  private resource(logicalId: string): CfnResource {
    const resource = this.template.Resources?.[logicalId];
    if (!resource) throw new Error(`Template has no resource or parameter '${logicalId}'`);
    return resource;
  }

  private physicalName(logicalId: string, resource: CfnResource, shape: ResourceShape | undefined): string {
    const explicit = shape?.nameProperty ? resource.Properties?.[shape.nameProperty] : undefined;
    return explicit === undefined ? logicalId : String(this.resolve(explicit));
  }
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}
