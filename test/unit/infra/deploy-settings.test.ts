import { describe, expect, it } from 'vitest';
import { readDeploySettings } from '#infra/deploy-settings.js';
import { DEFAULT_JOB_TIME_BUDGET } from '#shared/contract/time-budget.js';

const settingsOf = (context: Record<string, unknown>) => readDeploySettings((key) => context[key]);

describe('deploy settings', () => {
  it('keeps the data by default, on every stage, and lets a throw-away stage say otherwise', () => {
    expect(settingsOf({}).retainData).toBe(true);
    expect(settingsOf({ stage: 'feature-x' }).retainData).toBe(true);
    expect(settingsOf({ retainData: 'false' }).retainData).toBe(false);
    expect(settingsOf({ retainData: false }).retainData).toBe(false);
    expect(() => settingsOf({ retainData: 'no' })).toThrow(/retainData: true or false/);
  });

  it('takes the execution limit and the challenge wait from the context, in minutes', () => {
    const { timeBudget } = settingsOf({ executionTimeoutMinutes: '180', challengeTimeoutMinutes: '15' });

    expect(timeBudget).toEqual({
      ...DEFAULT_JOB_TIME_BUDGET,
      executionLimitSeconds: 10_800,
      challengeTimeoutSeconds: 900,
    });
    expect(settingsOf({}).timeBudget).toEqual(DEFAULT_JOB_TIME_BUDGET);
    expect(() => settingsOf({ executionTimeoutMinutes: '1.5' })).toThrow(
      /executionTimeoutMinutes: the execution limit/,
    );
  });

  it("waits for MX's webhooks only when told their wait, 5 to 300 s, with fewer reads in the same execution", () => {
    const { timeBudget } = settingsOf({ mxWebhookWaitSeconds: '20' });

    expect(timeBudget?.poll.webhookWaitSeconds).toBe(20);
    expect(settingsOf({}).timeBudget?.poll.webhookWaitSeconds).toBeUndefined();
    expect(() => settingsOf({ mxWebhookWaitSeconds: '2' })).toThrow(
      /mxWebhookWaitSeconds: a whole number of seconds, 5 to 300/,
    );
    expect(() => settingsOf({ mxWebhookWaitSeconds: '600' })).toThrow(/mxWebhookWaitSeconds/);
    expect(() => settingsOf({ mxWebhookWaitSeconds: '60' })).toThrow(/fewer than the \d+ an OAuth wait of 900 s takes/);
  });

  it('refuses an execution limit and a challenge wait that do not fit together, saying by how much', () => {
    expect(() => settingsOf({ executionTimeoutMinutes: '60', challengeTimeoutMinutes: '15' })).toThrow(
      /invalid deploy context: executionTimeoutMinutes, challengeTimeoutMinutes and mxWebhookWaitSeconds do not fit together: .* over the execution limit of 3600 s/,
    );
  });

  it('lets client_redirect_url use https only, unless app schemes are named, each checked', () => {
    expect(settingsOf({}).clientRedirectSchemes).toBeUndefined();
    expect(settingsOf({ clientRedirectSchemes: 'myapp, OtherApp' }).clientRedirectSchemes).toBe('myapp,otherapp');
    expect(() => settingsOf({ clientRedirectSchemes: 'myapp,http' })).toThrow(
      /clientRedirectSchemes: "http" is not an app's URL scheme/,
    );
    expect(() => settingsOf({ clientRedirectSchemes: 'my app' })).toThrow(/clientRedirectSchemes/);
  });

  it('keeps job records and verification and identification results forever unless given days, whole ones', () => {
    const settings = (context: Record<string, unknown>) => readDeploySettings((key) => context[key]);

    expect(settings({}).retention).toEqual({});
    expect(settings({ jobRetentionDays: '400', resultRetentionDays: 30 }).retention).toEqual({
      jobDays: 400,
      resultDays: 30,
    });
    expect(() => settings({ jobRetentionDays: '0' })).toThrow(/jobRetentionDays: days to keep job records/);
    expect(() => settings({ resultRetentionDays: '1.5' })).toThrow(/resultRetentionDays: days to keep/);
  });

  it('reserves no concurrency unless asked, since a new account has too little to reserve any', () => {
    expect(settingsOf({})).not.toHaveProperty('apiReservedConcurrency');
    expect(settingsOf({})).not.toHaveProperty('copyReservedConcurrency');
    expect(settingsOf({ apiReservedConcurrency: '20', copyReservedConcurrency: '50' })).toMatchObject({
      apiReservedConcurrency: 20,
      copyReservedConcurrency: 50,
    });
    expect(() => settingsOf({ copyReservedConcurrency: '0' })).toThrow(/copyReservedConcurrency: a whole number/);
  });

  it('requires the allow-list of who may call the API on prod, saying how to give it', () => {
    expect(() => settingsOf({ stage: 'prod' })).toThrow(
      /allowedPrincipals is required on stage prod: .*-c allowedPrincipals=arn:aws:iam::111122223333:role\/backend/,
    );
    expect(
      settingsOf({ stage: 'prod', allowedPrincipals: 'arn:aws:iam::111122223333:role/backend' }).apiAccess,
    ).toEqual({
      allowedPrincipals: [{ arn: 'arn:aws:iam::111122223333:role/backend', account: '111122223333', kind: 'role' }],
    });
  });

  it('leaves the allow-list to the deploying account elsewhere, and refuses an entry that is no IAM principal', () => {
    expect(settingsOf({}).apiAccess).toEqual({});
    expect(() => settingsOf({ allowedPrincipals: 'arn:aws:iam::111122223333:role/backend,backend' })).toThrow(
      /allowedPrincipals: "backend" is not an IAM role, user or account ARN/,
    );
  });

  it('makes the API private behind VPC endpoints, but not with MX’s webhooks on, which could never reach it', () => {
    expect(
      settingsOf({ privateApiVpcEndpointIds: 'vpce-0123456789abcdef0, vpce-0fedcba9876543210' }).apiAccess,
    ).toEqual({
      vpcEndpointIds: ['vpce-0123456789abcdef0', 'vpce-0fedcba9876543210'],
    });
    expect(() => settingsOf({ privateApiVpcEndpointIds: 'vpc-123' })).toThrow(
      /privateApiVpcEndpointIds.0: VPC endpoint ids/,
    );
    expect(() =>
      settingsOf({ privateApiVpcEndpointIds: 'vpce-0123456789abcdef0', mxWebhookWaitSeconds: '20' }),
    ).toThrow(/privateApiVpcEndpointIds and mxWebhookWaitSeconds do not go together: MX cannot reach a private API/);
  });
});
