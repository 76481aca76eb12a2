import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/contract/workflow.js';
import { FIELD_CONTEXT_KEYS } from '#shared/crypto/field-key-access.js';
import { SYNTH_TIMEOUT_MS, synthesizedStack, TEST_CONTEXT } from '#test/support/synthesized-template.js';

let template: Template;
let scratch: Template;
beforeAll(async () => {
  template = (await synthesizedStack(TEST_CONTEXT)).template;
  scratch = (await synthesizedStack({ stage: 'scratch', retainData: 'false' })).template;
}, SYNTH_TIMEOUT_MS);

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

const fieldKeyId = (t: Template): string => {
  const ids = Object.keys(t.findResources('AWS::KMS::Key')).filter((id) => id.startsWith('FieldKey'));
  expect(ids).toHaveLength(1);
  return ids[0]!;
};

/** Every function whose role may use the field key, with the actions and conditions it may use it with. */
function keyUsers(t: Template): Record<string, { actions: string[]; conditions: unknown[] }> {
  const key = fieldKeyId(t);
  const functionOfRole = new Map(
    Object.entries(t.findResources('AWS::Lambda::Function') as Record<string, Resource>).map(([id, fn]) => [
      JSON.stringify(fn.Properties.Role),
      id,
    ]),
  );
  const users: Record<string, { actions: string[]; conditions: unknown[] }> = {};
  for (const policy of Object.values(t.findResources('AWS::IAM::Policy') as Record<string, Resource>)) {
    const { PolicyDocument, Roles } = policy.Properties as {
      PolicyDocument: { Statement: Statement[] };
      Roles: unknown[];
    };
    const onKey = PolicyDocument.Statement.filter((s) => JSON.stringify(s.Resource).includes(`"${key}"`));
    for (const role of Roles) {
      const fn = functionOfRole.get(JSON.stringify({ 'Fn::GetAtt': [(role as { Ref: string }).Ref, 'Arn'] }));
      if (onKey.length === 0) continue;
      const name = (fn ?? `role ${JSON.stringify(role)}`).replace(/[0-9A-F]{8}$/, '');
      users[name] ??= { actions: [], conditions: [] };
      for (const s of onKey) {
        users[name].actions.push(...(Array.isArray(s.Action) ? s.Action : [s.Action]));
        users[name].conditions.push(s.Condition);
      }
    }
  }
  return users;
}

describe('the field key', () => {
  it('is a customer-managed key of its own, rotated yearly, kept with the data unless told -c retainData=false', () => {
    const key = template.findResources('AWS::KMS::Key')[fieldKeyId(template)] as Resource;
    const scratchKey = scratch.findResources('AWS::KMS::Key')[fieldKeyId(scratch)] as Resource;

    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    expect(scratchKey.DeletionPolicy).toBe('Delete');
    expect(fieldKeyId(template)).not.toBe(
      Object.keys(template.findResources('AWS::KMS::Key')).find((id) => id.startsWith('DataKey')),
    );
    template.hasOutput('FieldKeyArn', { Value: { 'Fn::GetAtt': [fieldKeyId(template), 'Arn'] } });
  });

  it('may be used by FetchResults and the jobs API to make data keys, by the results API to decrypt them, by the users and members APIs for both, by no other role, and only with mxflow’s encryption context', () => {
    const users = keyUsers(template);
    const condition = {
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [...FIELD_CONTEXT_KEYS] },
      Null: Object.fromEntries(FIELD_CONTEXT_KEYS.map((key) => [`kms:EncryptionContext:${key}`, 'false'])),
    };

    expect(users).toEqual({
      WorkflowsFetchResultsFunction: { actions: ['kms:GenerateDataKey'], conditions: [condition] },
      HttpjobsFunction: { actions: ['kms:GenerateDataKey'], conditions: [condition] },
      HttpresultsFunction: { actions: ['kms:Decrypt'], conditions: [condition] },
      HttpusersFunction: { actions: ['kms:GenerateDataKey', 'kms:Decrypt'], conditions: [condition] },
      HttpmembersFunction: { actions: ['kms:GenerateDataKey', 'kms:Decrypt'], conditions: [condition] },
    });
  });

  it('is named to those functions only, by its ARN in the environment', () => {
    const withArn = Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, Resource>)
      .filter(([, fn]) => {
        const variables = (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
        return variables?.[ENV.fieldKeyArn] !== undefined;
      })
      .map(([id, fn]) => [
        id.replace(/[0-9A-F]{8}$/, ''),
        (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables[ENV.fieldKeyArn],
      ]);

    const arn = { 'Fn::GetAtt': [fieldKeyId(template), 'Arn'] };
    expect(Object.fromEntries(withArn)).toEqual({
      WorkflowsFetchResultsFunction: arn,
      HttpjobsFunction: arn,
      HttpresultsFunction: arn,
      HttpusersFunction: arn,
      HttpmembersFunction: arn,
    });
  });
});
