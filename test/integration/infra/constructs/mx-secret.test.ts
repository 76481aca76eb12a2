import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { MxSecret } from '#infra/constructs/mx-secret.js';
import { parseMxSecret } from '#shared/runtime/mx-from-secret.js';
import { templateTestApp } from '#test/support/synthesized-template.js';

/** The secret a stack without `-c mxSecretArn` creates, as CloudFormation would store it. */
function createdSecret(): { SecretString?: string; GenerateSecretString?: unknown } {
  const stack = new Stack(templateTestApp({}), 'Secret');
  new MxSecret(stack, 'MxSecret', {});
  const secrets = Object.values(Template.fromStack(stack).findResources('AWS::SecretsManager::Secret'));
  expect(secrets).toHaveLength(1);
  return (secrets[0] as { Properties: { SecretString?: string; GenerateSecretString?: unknown } }).Properties;
}

describe('the MX secret the stack creates', () => {
  it('starts as valid JSON with a placeholder for each credential, not a random string', () => {
    const secret = createdSecret();

    expect(secret.GenerateSecretString).toBeUndefined();
    expect(JSON.parse(String(secret.SecretString))).toEqual({ client_id: 'REPLACE_ME', api_key: 'REPLACE_ME' });
  });

  it('reads as not configured until the operators put MX’s credentials in it', () => {
    const stored = JSON.parse(String(createdSecret().SecretString));

    expect(() => parseMxSecret(stored)).toThrow(/^the MX secret is not configured yet/);
    expect(() => parseMxSecret(stored)).not.toThrow(/REPLACE_ME/);
  });

  it('is left alone when the stack is given an existing one', () => {
    const stack = new Stack(templateTestApp({}), 'Existing');
    new MxSecret(stack, 'MxSecret', {
      existingSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:mx-AbCdEf',
    });

    expect(Template.fromStack(stack).findResources('AWS::SecretsManager::Secret')).toEqual({});
  });
});
