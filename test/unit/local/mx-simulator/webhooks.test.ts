import { describe, expect, it } from 'vitest';
import { SimulatorConfig } from '#local/mx-simulator/config.js';
import type { Job, MemberRecord } from '#local/mx-simulator/model.js';
import { hashKey, mulberry32 } from '#local/mx-simulator/random.js';
import { resolveTestLogin } from '#local/mx-simulator/test-logins.js';
import {
  connectionStatusWebhook,
  memberDataUpdatedWebhook,
  memberWebhook,
} from '#local/mx-simulator/webhook-events.js';
import {
  checkWebhookFaults,
  decideWebhookFaults,
  firesConnectionStatus,
  MAX_DELIVERY_ATTEMPTS,
  NO_WEBHOOK_FAULTS,
  retryWaitMs,
} from '#local/mx-simulator/webhooks.js';
import { CONNECTION_STATUSES, connectionStatusId } from '#shared/mx/connection-statuses.js';
import { simulatorMember } from '#test/support/simulator-member.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** A connected member with an aggregation behind it. */
const member = (overrides: Partial<MemberRecord> = {}): MemberRecord =>
  simulatorMember({
    credentials: { 'CRD-1': 'mxuser', 'CRD-2': 'hunter2' },
    password: 'hunter2',
    status: 'CONNECTED',
    aggregatedAt: Date.UTC(2026, 0, 2, 3, 4, 5),
    isAuthenticated: true,
    processed: { accounts: true, accountNumbers: false, transactions: true },
    ...overrides,
  });

function endedJob(type: Job['type'], overrides: Partial<Job> = {}): Job {
  return {
    guid: 'JOB-1',
    type,
    startedAt: 0,
    scenario: resolveTestLogin('mxuser', 'password'),
    steps: [],
    nextStep: 0,
    outcome: 'CONNECTED',
    segmentStartedAt: 0,
    segmentStatus: 'CREATED',
    challengesIssued: 0,
    challenge: null,
    includeTransactions: true,
    selectedAccountGuid: null,
    endedAt: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    endStatus: 'CONNECTED',
    transactionsCreated: 150,
    ...overrides,
  };
}

/** A PRNG that counts its draws. */
function countingRandom(seed: string) {
  const random = mulberry32(hashKey(seed, 'webhooks'));
  const counter = { draws: 0 };
  return {
    counter,
    random: () => {
      counter.draws++;
      return random();
    },
  };
}

describe('the webhook retry schedule', () => {
  it('waits one minute after the first failure and doubles the wait after each further one', () => {
    const waits = [1, 2, 3, 4, 5].map(retryWaitMs);

    expect(waits).toEqual([1 * MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE, 16 * MINUTE]);
  });

  it('makes at most 12 attempts in all, spread over about 24 hours', () => {
    const waits = Array.from({ length: MAX_DELIVERY_ATTEMPTS + 2 }, (_, i) => retryWaitMs(i + 1));
    const scheduled = waits.filter((w): w is number => w !== null);
    const total = scheduled.reduce((sum, w) => sum + w, 0);

    expect(scheduled).toHaveLength(MAX_DELIVERY_ATTEMPTS - 1);
    expect(MAX_DELIVERY_ATTEMPTS).toBe(12);
    expect(retryWaitMs(12)).toBeNull();
    expect(total).toBeGreaterThanOrEqual(23 * HOUR);
    expect(total).toBeLessThanOrEqual(25 * HOUR);
  });

  it('never waits less than the wait before, nor longer than the cap', () => {
    const waits = Array.from({ length: MAX_DELIVERY_ATTEMPTS - 1 }, (_, i) => retryWaitMs(i + 1) as number);

    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThanOrEqual(waits[i - 1]!);
    expect(Math.max(...waits)).toBeLessThan(8 * HOUR);
  });
});

describe('which statuses send CONNECTION_STATUS', () => {
  it('sends it for exactly the statuses the end user must act on', () => {
    const firing = CONNECTION_STATUSES.filter(firesConnectionStatus).sort();

    expect(firing).toEqual([
      'CHALLENGED',
      'DENIED',
      'EXPIRED',
      'IMPAIRED',
      'IMPEDED',
      'LOCKED',
      'PREVENTED',
      'REJECTED',
    ]);
  });

  it('never sends it on CONNECTED or while a job runs', () => {
    const quiet = ['CONNECTED', 'CREATED', 'UPDATED', 'RESUMED', 'RECONNECTED', 'DELAYED', 'PENDING', 'FAILED'];

    expect(quiet.filter(firesConnectionStatus)).toEqual([]);
  });

  it('numbers the statuses as MX does', () => {
    const ids = ['CREATED', 'CHALLENGED', 'CONNECTED', 'DEGRADED', 'DELAYED', 'EXPIRED', 'PENDING'].map(
      connectionStatusId,
    );

    expect(ids).toEqual([0, 3, 6, 9, 13, 19, 21]);
    expect(CONNECTION_STATUSES).toHaveLength(22);
    expect(connectionStatusId('NOT_A_STATUS')).toBeNull();
  });
});

describe('webhook fault decisions', () => {
  it('draws nothing when every rate is 0, so turning faults off keeps the sequence', () => {
    const { random, counter } = countingRandom('s');

    const decision = decideWebhookFaults(random, NO_WEBHOOK_FAULTS);

    expect(decision).toEqual({ drop: false, duplicate: false, reorder: false });
    expect(counter.draws).toBe(0);
  });

  it('drops, duplicates and reorders every webhook at rate 1, and a dropped one is neither sent twice nor held', () => {
    const { random } = countingRandom('s');
    const all = { delayMs: 0, dropRate: 1, duplicateRate: 1, reorderRate: 1 };

    const dropped = decideWebhookFaults(random, all);
    const kept = decideWebhookFaults(random, { ...all, dropRate: 0 });

    expect(dropped).toEqual({ drop: true, duplicate: false, reorder: false });
    expect(kept).toEqual({ drop: false, duplicate: true, reorder: true });
  });

  it('gives the same decisions for the same seed and converges on the rates', () => {
    const faults = { delayMs: 0, dropRate: 0.1, duplicateRate: 0.2, reorderRate: 0.3 };
    const run = (seed: string) => {
      const { random } = countingRandom(seed);
      return Array.from({ length: 20_000 }, () => decideWebhookFaults(random, faults));
    };

    const first = run('seed');
    const again = run('seed');
    const share = (key: 'drop' | 'duplicate' | 'reorder') => first.filter((d) => d[key]).length / first.length;

    expect(again).toEqual(first);
    expect(Math.abs(share('drop') - 0.1)).toBeLessThan(0.01);
    // Only kept webhooks are duplicated or held: 90 % of the rate.
    expect(Math.abs(share('duplicate') - 0.18)).toBeLessThan(0.01);
    expect(Math.abs(share('reorder') - 0.27)).toBeLessThan(0.01);
  });

  it('refuses rates outside 0..1, unknown settings and a negative delay, naming the setting', () => {
    const bad = [{ dropRate: 1.5 }, { reorder: 1 }, { delayMs: -1 }, { duplicateRate: '0.5' }];

    const messages = bad.map((value) => {
      try {
        checkWebhookFaults(value, NO_WEBHOOK_FAULTS);
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    });

    expect(messages).toEqual([
      'webhookFaults.dropRate must be between 0 and 1',
      'unknown webhookFaults setting "reorder"',
      'webhookFaults.delayMs must be a number >= 0',
      'webhookFaults.duplicateRate must be a number >= 0',
    ]);
  });
});

describe('webhook options in the simulator config', () => {
  it('merges a partial webhookFaults update and never shows the webhook password', () => {
    const config = new SimulatorConfig({ webhookFaults: { dropRate: 0.5 } });

    const snapshot = config.update({
      webhooks: { url: 'http://127.0.0.1:9/hooks', username: 'mx', password: 'hunter2' },
      webhookFaults: { delayMs: 100 },
    });

    expect(snapshot.webhookFaults).toEqual({ delayMs: 100, duplicateRate: 0, reorderRate: 0, dropRate: 0.5 });
    expect(snapshot.webhooks).toEqual({ url: 'http://127.0.0.1:9/hooks', username: 'mx' });
    expect(JSON.stringify(snapshot)).not.toContain('hunter2');
  });

  it('refuses a webhook target that is not an http(s) URL with credentials, and changes nothing', () => {
    const config = new SimulatorConfig();

    const attempt = () =>
      config.update({ jobDurationMs: 1, webhooks: { url: 'ftp://x', username: 'mx', password: 'p' } });

    expect(attempt).toThrow('webhooks.url must be an http:// or https:// URL');
    expect(() => config.update({ webhooks: { url: 'http://x' } })).toThrow('webhooks.username');
    expect(config.jobDurationMs).toBe(6000);
    expect(config.webhooks).toBeNull();
  });
});

describe('webhook bodies', () => {
  it('builds CONNECTION_STATUS with the status, its MX id and a message', () => {
    const body = connectionStatusWebhook(member(), 'CHALLENGED');

    expect(body).toEqual({
      type: 'CONNECTION_STATUS',
      action: 'CHANGED',
      connection_status: 'CHALLENGED',
      connection_status_id: 3,
      connection_status_message: expect.any(String),
      member_guid: 'MBR-1',
      user_guid: 'USR-1',
    });
  });

  it('builds AGGREGATION member_data_updated with MX times, counts and the callback payload', () => {
    const body = memberDataUpdatedWebhook(member({ callbackPayload: 'am9iLTE=' }), endedJob('aggregate'), 'u-1');

    expect(body).toEqual({
      type: 'AGGREGATION',
      action: 'member_data_updated',
      member_guid: 'MBR-1',
      user_guid: 'USR-1',
      user_id: 'u-1',
      completed_at: '2026-01-02T03:04:05Z',
      completed_on: '2026-01-02',
      is_background: false,
      transactions_created_count: 150,
      transactions_updated_count: 0,
      callback_payload: 'am9iLTE=',
    });
  });

  it('builds VERIFICATION member_data_updated with zero counts, and marks background runs', () => {
    const verification = memberDataUpdatedWebhook(member(), endedJob('verify'), null);
    const background = memberDataUpdatedWebhook(member(), endedJob('aggregate', { background: true }), null);

    expect(verification).toMatchObject({ type: 'VERIFICATION', transactions_created_count: 0, callback_payload: null });
    expect(background).toMatchObject({ type: 'AGGREGATION', is_background: true });
  });

  it('builds MEMBER with guids and status fields, never the credentials', () => {
    const body = memberWebhook('UPDATED', member(), 'CONNECTED', 'u-1');

    expect(body).toMatchObject({
      type: 'MEMBER',
      action: 'UPDATED',
      member: { guid: 'MBR-1', user_guid: 'USR-1', connection_status: 'CONNECTED', is_being_aggregated: false },
      callback_payload: null,
    });
    expect(JSON.stringify(body)).not.toMatch(/hunter2|mxuser|CRD-/);
  });
});
