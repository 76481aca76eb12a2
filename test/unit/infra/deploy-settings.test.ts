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

  it('reserves no concurrency unless asked, since a new account has too little to reserve any', () => {
    expect(settingsOf({})).not.toHaveProperty('apiReservedConcurrency');
    expect(settingsOf({})).not.toHaveProperty('copyReservedConcurrency');
    expect(settingsOf({ apiReservedConcurrency: '20', copyReservedConcurrency: '50' })).toMatchObject({
      apiReservedConcurrency: 20,
      copyReservedConcurrency: 50,
    });
    expect(() => settingsOf({ copyReservedConcurrency: '0' })).toThrow(/copyReservedConcurrency: a whole number/);
  });
});
