// Entry point: startMxSimulator() wires the config, clock, store, faults and stats into an
// HTTP server and returns handles for tests and benchmarks.
import { createServer } from 'node:http';
import { listen } from '#local/http-server.js';
import type { AdminControls } from './admin.js';
import { MxClock } from './clock.js';
import {
  type ConfigSnapshot,
  type ConfigUpdate,
  DEFAULT_API_KEY,
  DEFAULT_CLIENT_ID,
  type MxSimulatorOptions,
  SimulatorConfig,
} from './config.js';
import { FaultInjector, type FaultSettings } from './faults.js';
import { createRequestListener } from './server.js';
import { type SimulatorStats, StatsRecorder } from './stats.js';
import { Store } from './store.js';
import { WebhookEvents } from './webhook-events.js';
import { type WebhookFaultSettings, WebhookSender } from './webhooks.js';

export { TAN_PREFIX } from './account-data.js';
export { ACCOUNT_SELECTION_LABEL } from './challenges.js';
export type { MxSimulatorOptions } from './config.js';
export { INSTITUTIONS } from './institutions.js';
export { CORRECT_ANSWER, END_STATUSES, TEST_LOGINS } from './test-logins.js';

export interface MxSimulator {
  /** Base URL, e.g. `http://127.0.0.1:4010` (no trailing slash). */
  url: string;
  clientId: string;
  apiKey: string;
  /** The options it was started with, resolved (port is the bound one). */
  options: Readonly<
    Required<Omit<MxSimulatorOptions, 'faults' | 'challengeAfterMs' | 'webhooks' | 'webhookFaults'>>
  > & {
    challengeAfterMs: number;
    faults: FaultSettings;
    /** The webhook target without its password. */
    webhooks: { url: string; username: string } | null;
    webhookFaults: WebhookFaultSettings;
  };
  stats(): SimulatorStats;
  /** Requests answered at `endpoint` (`'PUT /users/{user_guid}/members/{member_guid}/resume'`), or only those answered `status`. */
  requestCount(endpoint: string, status?: number): number;
  /** Merges fault settings (validated); returns the settings now in force. */
  setFaults(faults: Partial<FaultSettings>): FaultSettings;
  /** Changes timing/data options while running; returns the config now in force. */
  configure(options: ConfigUpdate): ConfigSnapshot;
  /**
   * The end user changed their login at the bank: MX's next run with the credentials it holds (a
   * background aggregation too) meets the login this test password stands for (`denied`: DENIED).
   */
  changeBankLogin(memberGuid: string, password: string): void;
  /**
   * MX time jumps forward by `mxMs` (e.g. a day): background aggregations that fell due run, at
   * their due times, when a member is next read (or its webhooks are planned).
   */
  advanceTime(mxMs: number): void;
  /** The bank closed the account: MX stops returning it once a job of its member next connects. */
  closeAccount(memberGuid: string, accountGuid: string): void;
  /** Clears users, members, guid counters, stats, pending webhooks and the fault PRNGs (settings are kept). */
  reset(): void;
  /** Stops listening and destroys every socket, keep-alive ones included; drops every pending webhook. */
  close(): Promise<void>;
}

export async function startMxSimulator(options: MxSimulatorOptions = {}): Promise<MxSimulator> {
  const clientId = options.clientId ?? process.env.MX_SIMULATOR_CLIENT_ID ?? DEFAULT_CLIENT_ID;
  const apiKey = options.apiKey ?? process.env.MX_SIMULATOR_API_KEY ?? DEFAULT_API_KEY;
  const host = options.host ?? '127.0.0.1';
  const config = new SimulatorConfig({
    seed: options.seed,
    timeScale: options.timeScale,
    jobDurationMs: options.jobDurationMs,
    challengeAfterMs: options.challengeAfterMs,
    challengeExpiryMs: options.challengeExpiryMs,
    oauthWindowTtlMs: options.oauthWindowTtlMs,
    aggregationThrottleMs: options.aggregationThrottleMs,
    backgroundAggregationMs: options.backgroundAggregationMs,
    transactionsPerAccount: options.transactionsPerAccount,
    historyDays: options.historyDays,
    dailyTransactionsPerAccount: options.dailyTransactionsPerAccount,
    replacedPendingShare: options.replacedPendingShare,
    allowedIps: options.allowedIps,
    disabledFeatures: options.disabledFeatures,
    webhooks: options.webhooks,
    webhookFaults: options.webhookFaults,
  });
  const clock = new MxClock(config.timeScale);
  const stats = new StatsRecorder();
  const store = new Store(config, clock, stats);
  const faults = new FaultInjector(config.seed, options.faults);
  const sender = new WebhookSender(config.seed, {
    target: () => config.webhooks,
    faults: () => config.webhookFaults,
    clock,
    stats,
  });
  const webhookEvents = new WebhookEvents(store, sender, clock);
  store.events = webhookEvents;

  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const configure = (update: unknown): ConfigSnapshot => {
    const before = config.seed;
    const snap = config.update(update);
    clock.setTimeScale(snap.timeScale);
    if (snap.seed !== before) {
      faults.reseed(snap.seed);
      sender.reseed(snap.seed);
    }
    // MX unsubscribed: nothing pending goes out any more.
    if (snap.webhooks === null) sender.cancel();
    // Durations or the time scale may have moved every member's next transition.
    webhookEvents.replan();
    return snap;
  };
  const reset = () => {
    webhookEvents.clear();
    sender.cancel();
    store.reset();
    stats.reset();
    faults.reseed(config.seed);
    sender.reseed(config.seed);
  };
  const admin: AdminControls = {
    stats: () => stats.snapshot(clock.now(), clock.timeScale),
    faults: () => faults.settings,
    setFaults: (f) => faults.update(f),
    config: () => config.snapshot(),
    configure,
    reset,
  };

  let url = '';
  const server = createServer(
    { keepAliveTimeout: 5000 },
    createRequestListener({
      store,
      stats,
      faults,
      clock,
      admin,
      credentials: () => ({ clientId, apiKey }),
      sleep,
      fallbackBaseUrl: () => url,
    }),
  );
  const listening = await listen(server, { port: options.port ?? 0, host });
  const { port } = listening;
  url = listening.url;

  return {
    url,
    clientId,
    apiKey,
    options: {
      port,
      host,
      clientId,
      apiKey,
      ...config.snapshot(),
      faults: { ...faults.settings },
    },
    stats: admin.stats as () => SimulatorStats,
    requestCount: (endpoint, status) => stats.requestCount(endpoint, status),
    setFaults: (f) => faults.update(f),
    configure: (u) => configure(u),
    changeBankLogin: (memberGuid, password) => {
      const member = store.members.get(memberGuid);
      if (!member) throw new Error(`no member ${memberGuid}`);
      member.password = password;
      webhookEvents.replan();
    },
    advanceTime: (mxMs) => {
      clock.advance(mxMs);
      webhookEvents.replan();
    },
    closeAccount: (memberGuid, accountGuid) => {
      const member = store.members.get(memberGuid);
      if (!member) throw new Error(`no member ${memberGuid}`);
      member.closedAccounts.set(accountGuid, clock.now());
    },
    reset,
    close: () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      webhookEvents.close();
      sender.close();
      return listening.stop();
    },
  };
}
