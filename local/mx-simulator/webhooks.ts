// MX's webhooks, sent as MX sends them: an HTTP POST of a JSON body with the HTTP Basic
// credentials set in MX's dashboard (MX signs nothing), retried with back-off for about 24 hours
// at most 12 times, so a receiver sees repeats and out-of-order deliveries. Fault settings make
// those happen on purpose; their decisions come from a seeded PRNG, so a run is reproducible.
import { type ClientRequest, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { CONNECTION_STATUS_WEBHOOK_STATUSES } from '#shared/mx/connection-statuses.js';
import type { MxClock } from './clock.js';
import { badRequest } from './errors.js';
import { hashKey, mulberry32 } from './random.js';
import type { StatsRecorder } from './stats.js';

/** Where MX posts webhooks, and the Basic credentials it sends (MX's dashboard settings). */
export interface WebhookTarget {
  url: string;
  username: string;
  password: string;
}

export interface WebhookFaultSettings {
  /** MX ms added before each delivery (real wait = delayMs × timeScale). */
  delayMs: number;
  /** Fraction (0–1) of webhooks delivered twice. */
  duplicateRate: number;
  /** Fraction (0–1) of webhooks held back and sent after the next one. */
  reorderRate: number;
  /** Fraction (0–1) of webhooks lost on the way, never retried (like a lost request). */
  dropRate: number;
}

export const NO_WEBHOOK_FAULTS: Readonly<WebhookFaultSettings> = {
  delayMs: 0,
  duplicateRate: 0,
  reorderRate: 0,
  dropRate: 0,
};

export type WebhookType = 'CONNECTION_STATUS' | 'AGGREGATION' | 'VERIFICATION' | 'HISTORY' | 'MEMBER';

/** A webhook body; `type` names the event type MX's dashboard subscribes to. */
export interface WebhookBody {
  type: WebhookType;
  [field: string]: unknown;
}

/** setTimeout's limit in ms: a longer wait fires at once, so waits are capped (and planned again). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** MX sends CONNECTION_STATUS only when a member enters a status the end user must act on. */
export function firesConnectionStatus(status: string): boolean {
  return (CONNECTION_STATUS_WEBHOOK_STATUSES as readonly string[]).includes(status);
}

/** MX: "at most 12 times", over about 24 hours. */
export const MAX_DELIVERY_ATTEMPTS = 12;
const FIRST_RETRY_WAIT_MS = 60_000;
/** Caps the doubling so the 11 waits add up to about 24 h (24 h 1 min). */
const MAX_RETRY_WAIT_MS = 465 * 60_000;

/**
 * MX ms to wait after failed attempt `attempt` (1-based) before the next one; null after the last. Doubling from
 * one minute, capped: 1, 2, 4, …, 256 minutes, then 7 h 45 min twice.
 */
export function retryWaitMs(attempt: number): number | null {
  if (attempt < 1 || attempt >= MAX_DELIVERY_ATTEMPTS) return null;
  return Math.min(FIRST_RETRY_WAIT_MS * 2 ** (attempt - 1), MAX_RETRY_WAIT_MS);
}

export interface WebhookFaultDecision {
  drop: boolean;
  duplicate: boolean;
  reorder: boolean;
}

/**
 * What happens to one webhook. Three draws every time (when any rate is set), so one decision
 * never shifts the PRNG sequence of the next; a dropped webhook is neither duplicated nor held.
 */
export function decideWebhookFaults(random: () => number, faults: WebhookFaultSettings): WebhookFaultDecision {
  if (faults.dropRate + faults.duplicateRate + faults.reorderRate === 0)
    return { drop: false, duplicate: false, reorder: false };
  const [drop, duplicate, reorder] = [random(), random(), random()];
  const dropped = drop < faults.dropRate;
  return {
    drop: dropped,
    duplicate: !dropped && duplicate < faults.duplicateRate,
    reorder: !dropped && reorder < faults.reorderRate,
  };
}

export function checkWebhookTarget(value: unknown): WebhookTarget | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value))
    throw badRequest('webhooks must be {url, username, password} or null (MX sends no webhooks)');
  const { url, username, password, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw badRequest(`unknown webhooks setting "${extra}"`);
  if (typeof url !== 'string' || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
    throw badRequest('webhooks.url must be an http:// or https:// URL');
  if (typeof username !== 'string' || username === '') throw badRequest('webhooks.username must be a non-empty string');
  if (typeof password !== 'string') throw badRequest('webhooks.password must be a string');
  return { url, username, password };
}

/** Merges a partial setting into the current one; a 400 names the first bad key. */
export function checkWebhookFaults(value: unknown, current: WebhookFaultSettings): WebhookFaultSettings {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badRequest('webhookFaults must be an object {delayMs, duplicateRate, reorderRate, dropRate}');
  const next = { ...current };
  for (const [key, v] of Object.entries(value)) {
    if (!(key in NO_WEBHOOK_FAULTS)) throw badRequest(`unknown webhookFaults setting "${key}"`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw badRequest(`webhookFaults.${key} must be a number >= 0`);
    if (key !== 'delayMs' && v > 1) throw badRequest(`webhookFaults.${key} must be between 0 and 1`);
    next[key as keyof WebhookFaultSettings] = v;
  }
  return next;
}

/** A held-back (reordered) webhook goes out at the latest this long (MX ms) after it was due. */
const MAX_HOLD_MS = 60_000;
/** Real ms an attempt may take before it counts as failed. */
const ATTEMPT_TIMEOUT_MS = 30_000;

interface Delivery {
  body: WebhookBody;
  copies: number;
}

export interface WebhookSenderDeps {
  target(): WebhookTarget | null;
  faults(): WebhookFaultSettings;
  clock: MxClock;
  stats: StatsRecorder;
}

/**
 * Delivers webhooks. First attempts go out one after another, in the order the webhooks were
 * sent, so that only the fault settings reorder them; retries wait on their own timers. Every
 * timer is unref()ed and cancel() clears them all and aborts the requests in flight.
 */
export class WebhookSender {
  private random: () => number;
  private timers = new Set<NodeJS.Timeout>();
  private requests = new Set<ClientRequest>();
  private held: { delivery: Delivery; timer: NodeJS.Timeout } | null = null;
  private queue: Promise<void> = Promise.resolve();
  /** Bumped by cancel(): work begun before it does nothing more. */
  private generation = 0;
  private closed = false;

  constructor(
    seed: string,
    private readonly deps: WebhookSenderDeps,
  ) {
    this.random = mulberry32(hashKey(seed, 'webhooks'));
  }

  /** Restart the fault PRNG (after a reset, the same webhooks meet the same faults). */
  reseed(seed: string): void {
    this.random = mulberry32(hashKey(seed, 'webhooks'));
  }

  send(body: WebhookBody): void {
    if (this.closed || this.deps.target() === null) return;
    const { stats } = this.deps;
    stats.recordWebhook(body.type, 'sent');
    const decision = decideWebhookFaults(this.random, this.deps.faults());
    if (decision.drop) {
      stats.recordWebhook(body.type, 'dropped');
      return;
    }
    if (decision.duplicate) stats.recordWebhook(body.type, 'duplicated');
    const delivery: Delivery = { body, copies: decision.duplicate ? 2 : 1 };
    if (decision.reorder && this.held === null) {
      const timer = this.after(this.deps.clock.toRealMs(MAX_HOLD_MS), () => this.release());
      this.held = { delivery, timer };
      return;
    }
    this.dispatch(delivery);
    if (this.held) {
      stats.recordWebhook(this.held.delivery.body.type, 'reordered');
      this.release();
    }
  }

  /** Drops everything pending: timers, held and queued webhooks, requests in flight. */
  cancel(): void {
    this.generation++;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const r of this.requests) r.destroy();
    this.requests.clear();
    this.held = null;
    this.queue = Promise.resolve();
  }

  close(): void {
    this.closed = true;
    this.cancel();
  }

  private release(): void {
    const held = this.held;
    if (!held) return;
    this.held = null;
    this.forget(held.timer);
    this.dispatch(held.delivery);
  }

  private dispatch(delivery: Delivery): void {
    const delayMs = this.deps.faults().delayMs;
    for (let copy = 0; copy < delivery.copies; copy++) {
      if (delayMs > 0) this.after(this.deps.clock.toRealMs(delayMs), () => this.enqueue(delivery.body));
      else this.enqueue(delivery.body);
    }
  }

  private enqueue(body: WebhookBody): void {
    const generation = this.generation;
    this.queue = this.queue.then(() => (generation === this.generation ? this.attempt(body, 1) : undefined));
  }

  /** One POST; a failure schedules the next attempt. Resolves when this attempt is answered or failed. */
  private async attempt(body: WebhookBody, attempt: number): Promise<void> {
    const target = this.deps.target();
    if (this.closed || target === null) return;
    const { stats } = this.deps;
    if (attempt > 1) stats.recordWebhook(body.type, 'retried');
    stats.recordWebhook(body.type, 'attempts');
    const generation = this.generation;
    const status = await this.post(target, body).catch(() => 0);
    if (generation !== this.generation) return;
    if (status >= 200 && status < 300) {
      stats.recordWebhook(body.type, 'delivered');
      return;
    }
    const wait = retryWaitMs(attempt);
    if (wait === null) {
      stats.recordWebhook(body.type, 'failed');
      return;
    }
    this.after(this.deps.clock.toRealMs(wait), () => void this.attempt(body, attempt + 1));
  }

  /** The answer's status code; rejects on a connection error or timeout. */
  private post(target: WebhookTarget, body: WebhookBody): Promise<number> {
    const url = new URL(target.url);
    const payload = JSON.stringify(body);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, {
        method: 'POST',
        // A fresh connection per attempt: no keep-alive socket outlives the simulator.
        agent: false,
        timeout: ATTEMPT_TIMEOUT_MS,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(payload)),
          authorization: `Basic ${Buffer.from(`${target.username}:${target.password}`).toString('base64')}`,
        },
      });
      this.requests.add(req);
      req.on('close', () => this.requests.delete(req));
      req.on('socket', (socket) => socket.unref());
      req.on('timeout', () => req.destroy(new Error('webhook delivery timed out')));
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.end(payload);
    });
  }

  private after(realMs: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        run();
      },
      Math.min(realMs, MAX_TIMER_MS),
    );
    timer.unref();
    this.timers.add(timer);
    return timer;
  }

  private forget(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.timers.delete(timer);
  }
}
