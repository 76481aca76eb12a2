// Simulator options: defaults, validation, and the live (re-configurable) timing/data config.

import { checkAllowEntry, checkFeature } from './client-access.js';
import { badRequest } from './errors.js';
import type { FaultSettings } from './faults.js';
import type { JobType } from './model.js';
import {
  checkWebhookFaults,
  checkWebhookTarget,
  NO_WEBHOOK_FAULTS,
  type WebhookFaultSettings,
  type WebhookTarget,
} from './webhooks.js';

export const DEFAULT_CLIENT_ID = 'sim-client-id';
export const DEFAULT_API_KEY = 'sim-api-key';
const DEFAULT_SEED = 'mxflow';

export interface MxSimulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Accepted client id (Basic user / MX-Client-ID); default env MX_SIMULATOR_CLIENT_ID or `sim-client-id`. */
  clientId?: string;
  /** Accepted API key (Basic password / MX-API-Key); default env MX_SIMULATOR_API_KEY or `sim-api-key`. */
  apiKey?: string;
  /** Seed of every generated guid and datum; default `mxflow`. */
  seed?: string | number;
  /** Real duration = MX duration × timeScale; default 1. */
  timeScale?: number;
  /** MX ms an aggregation-type job runs (is_being_aggregated true) without challenges; default 6000. */
  jobDurationMs?: number;
  /** MX ms from a job (or resume) start to its next challenge; default jobDurationMs / 3. */
  challengeAfterMs?: number;
  /** MX ms an unanswered challenge waits before the job ends EXPIRED; default 300000. */
  challengeExpiryMs?: number;
  /** MX ms an oauth_window_uri stays usable after it was issued; default 600000 (10 minutes). */
  oauthWindowTtlMs?: number;
  /**
   * MX ms after an aggregation ended CONNECTED during which a manual aggregation answers 202
   * without a new run (MX's throttle window); default 10800000 (3 hours), 0 = off.
   */
  aggregationThrottleMs?: number;
  /**
   * MX ms after a member's last job start at which MX aggregates it in the background; default 86400000 (24
   * hours), 0 = off.
   */
  backgroundAggregationMs?: number;
  /** Transactions generated per account; default 50. */
  transactionsPerAccount?: number;
  /** Days of transaction history ending today; default 90. */
  historyDays?: number;
  /**
   * New transactions each account gets every day after the simulator's first (pending on their
   * day, posted at the member's first aggregation on a later day); default 0: the data never changes.
   */
  dailyTransactionsPerAccount?: number;
  /** Share (0–1) of pending transactions that MX replaces with a posted one under a new guid; default 0.5. */
  replacedPendingShare?: number;
  /** Initial fault injection settings (all off by default). */
  faults?: Partial<FaultSettings>;
  /**
   * Client addresses MX answers (IPs or IPv4 CIDR ranges); any other gets MX's 403. Default
   * null: every address, so the local stack works.
   */
  allowedIps?: string[] | null;
  /** Job types MX has not enabled for this client: their start answers 403. Default none. */
  disabledFeatures?: JobType[];
  /** Where MX posts its webhooks, with the HTTP Basic credentials it sends; default null: MX sends none. */
  webhooks?: WebhookTarget | null;
  /** Webhook delivery faults (delay, duplicates, reordering, losses); all 0 by default. A partial update merges. */
  webhookFaults?: Partial<WebhookFaultSettings>;
}

/** The options that can change while the server runs (PUT /_simulator/config, configure()). */
export type ConfigUpdate = Pick<
  MxSimulatorOptions,
  | 'seed'
  | 'timeScale'
  | 'jobDurationMs'
  | 'challengeAfterMs'
  | 'challengeExpiryMs'
  | 'oauthWindowTtlMs'
  | 'aggregationThrottleMs'
  | 'backgroundAggregationMs'
  | 'transactionsPerAccount'
  | 'historyDays'
  | 'dailyTransactionsPerAccount'
  | 'replacedPendingShare'
  | 'allowedIps'
  | 'disabledFeatures'
  | 'webhooks'
  | 'webhookFaults'
>;

export interface ConfigSnapshot {
  seed: string;
  timeScale: number;
  jobDurationMs: number;
  challengeAfterMs: number;
  challengeExpiryMs: number;
  oauthWindowTtlMs: number;
  aggregationThrottleMs: number;
  backgroundAggregationMs: number;
  transactionsPerAccount: number;
  historyDays: number;
  dailyTransactionsPerAccount: number;
  replacedPendingShare: number;
  allowedIps: string[] | null;
  disabledFeatures: JobType[];
  /** The webhook target without its password, which is never shown (like the API key). */
  webhooks: { url: string; username: string } | null;
  webhookFaults: WebhookFaultSettings;
}

const CONFIG_KEYS = [
  'seed',
  'timeScale',
  'jobDurationMs',
  'challengeAfterMs',
  'challengeExpiryMs',
  'oauthWindowTtlMs',
  'aggregationThrottleMs',
  'backgroundAggregationMs',
  'transactionsPerAccount',
  'historyDays',
  'dailyTransactionsPerAccount',
  'replacedPendingShare',
  'allowedIps',
  'disabledFeatures',
  'webhooks',
  'webhookFaults',
] as const;

export class SimulatorConfig {
  seed = DEFAULT_SEED;
  timeScale = 1;
  jobDurationMs = 6000;
  /** Undefined means "a third of the job", which follows jobDurationMs when that changes. */
  private explicitChallengeAfterMs: number | undefined;
  challengeExpiryMs = 300_000;
  oauthWindowTtlMs = 600_000;
  aggregationThrottleMs = 3 * 3_600_000;
  backgroundAggregationMs = 24 * 3_600_000;
  transactionsPerAccount = 50;
  historyDays = 90;
  dailyTransactionsPerAccount = 0;
  replacedPendingShare = 0.5;
  allowedIps: string[] | null = null;
  disabledFeatures: JobType[] = [];
  webhooks: WebhookTarget | null = null;
  webhookFaults: WebhookFaultSettings = { ...NO_WEBHOOK_FAULTS };

  constructor(initial: ConfigUpdate = {}) {
    this.update(initial);
  }

  get challengeAfterMs(): number {
    return this.explicitChallengeAfterMs ?? Math.round(this.jobDurationMs / 3);
  }

  /** Validates everything before applying anything, so a bad request changes nothing. */
  update(input: unknown): ConfigSnapshot {
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw badRequest('config must be a JSON object');
    const entries = Object.entries(input).filter(([, v]) => v !== undefined);
    for (const [key, value] of entries) {
      if (!(CONFIG_KEYS as readonly string[]).includes(key)) throw badRequest(`unknown config option "${key}"`);
      if (key === 'seed') {
        if (typeof value !== 'string' && typeof value !== 'number') throw badRequest('seed must be a string or number');
        continue;
      }
      if (key === 'allowedIps') {
        if (value !== null && !Array.isArray(value))
          throw badRequest('allowedIps must be a list of IP addresses or CIDR ranges, or null (every address)');
        if (Array.isArray(value)) value.forEach(checkAllowEntry);
        continue;
      }
      if (key === 'disabledFeatures') {
        if (!Array.isArray(value)) throw badRequest('disabledFeatures must be a list of job types');
        value.forEach(checkFeature);
        continue;
      }
      if (key === 'webhooks') {
        checkWebhookTarget(value);
        continue;
      }
      if (key === 'webhookFaults') {
        checkWebhookFaults(value, this.webhookFaults);
        continue;
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) throw badRequest(`${key} must be a number`);
      const positive = key === 'timeScale' || key === 'historyDays';
      if (positive ? value <= 0 : value < 0) throw badRequest(`${key} must be ${positive ? '> 0' : '>= 0'}`);
      const whole = ['transactionsPerAccount', 'historyDays', 'dailyTransactionsPerAccount'];
      if (whole.includes(key) && !Number.isInteger(value)) throw badRequest(`${key} must be an integer`);
      if (key === 'replacedPendingShare' && value > 1) throw badRequest(`${key} must be between 0 and 1`);
    }
    for (const [key, value] of entries) {
      if (key === 'seed') this.seed = String(value);
      else if (key === 'allowedIps')
        this.allowedIps = value === null ? null : (value as unknown[]).map(checkAllowEntry);
      else if (key === 'disabledFeatures') this.disabledFeatures = [...new Set((value as unknown[]).map(checkFeature))];
      else if (key === 'challengeAfterMs') this.explicitChallengeAfterMs = value as number;
      else if (key === 'webhooks') this.webhooks = checkWebhookTarget(value);
      else if (key === 'webhookFaults') this.webhookFaults = checkWebhookFaults(value, this.webhookFaults);
      else (this as unknown as Record<string, number>)[key] = value as number;
    }
    return this.snapshot();
  }

  snapshot(): ConfigSnapshot {
    return {
      seed: this.seed,
      timeScale: this.timeScale,
      jobDurationMs: this.jobDurationMs,
      challengeAfterMs: this.challengeAfterMs,
      challengeExpiryMs: this.challengeExpiryMs,
      oauthWindowTtlMs: this.oauthWindowTtlMs,
      aggregationThrottleMs: this.aggregationThrottleMs,
      backgroundAggregationMs: this.backgroundAggregationMs,
      transactionsPerAccount: this.transactionsPerAccount,
      historyDays: this.historyDays,
      dailyTransactionsPerAccount: this.dailyTransactionsPerAccount,
      replacedPendingShare: this.replacedPendingShare,
      allowedIps: this.allowedIps === null ? null : [...this.allowedIps],
      disabledFeatures: [...this.disabledFeatures],
      webhooks: this.webhooks && { url: this.webhooks.url, username: this.webhooks.username },
      webhookFaults: { ...this.webhookFaults },
    };
  }
}
