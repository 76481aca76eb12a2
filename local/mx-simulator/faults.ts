// Fault injection for MX API requests (never admin or OAuth-window paths). One seeded PRNG
// draw per request decides the fault, so a run is reproducible given seed + request order
// and the observed rates converge on the configured fractions.
import { badRequest } from './errors.js';
import { hashKey, mulberry32 } from './random.js';

export interface FaultSettings {
  /** Fraction (0–1) of requests answered 429 with a Retry-After header. */
  rate429: number;
  /** Fraction (0–1) of requests answered 500. */
  rate500: number;
  /** Fraction (0–1) of requests answered 503. */
  rate503: number;
  /** Fraction (0–1) of requests whose socket is destroyed without an answer. */
  dropRate: number;
  /** MX milliseconds added before every MX API response (scaled by timeScale). */
  latencyMs: number;
  /**
   * Retry-After sent with 429, in MX seconds, and so is the header (rounded up, whole seconds as
   * HTTP has them): the local stack's Step Functions waits run at the simulator's time scale, so
   * a client that waits what it is told in them waits the MX time asked. A client sleeping real
   * time waits longer than needed, never less.
   */
  retryAfterSeconds: number;
}

const NO_FAULTS: FaultSettings = {
  rate429: 0,
  rate500: 0,
  rate503: 0,
  dropRate: 0,
  latencyMs: 0,
  retryAfterSeconds: 1,
};

export type FaultDecision = { kind: 'none' } | { kind: 'drop' } | { kind: 'status'; status: 429 | 500 | 503 };

const FRACTIONS = ['rate429', 'rate500', 'rate503', 'dropRate'] as const;

function validateFaults(input: unknown, current: FaultSettings): FaultSettings {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw badRequest('fault settings must be a JSON object');
  const next: FaultSettings = { ...current };
  for (const [key, value] of Object.entries(input)) {
    if (!(key in NO_FAULTS)) throw badRequest(`unknown fault setting "${key}"`);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw badRequest(`fault setting "${key}" must be a number >= 0`);
    if ((FRACTIONS as readonly string[]).includes(key) && value > 1)
      throw badRequest(`fault setting "${key}" must be between 0 and 1`);
    next[key as keyof FaultSettings] = value;
  }
  const sum = FRACTIONS.reduce((s, k) => s + next[k], 0);
  if (sum > 1 + 1e-9) throw badRequest('rate429 + rate500 + rate503 + dropRate must not exceed 1');
  return next;
}

export class FaultInjector {
  private random: () => number;
  settings: FaultSettings;

  constructor(
    private seed: string,
    initial: Partial<FaultSettings> = {},
  ) {
    this.settings = validateFaults(initial, NO_FAULTS);
    this.random = mulberry32(hashKey(seed, 'faults'));
  }

  update(partial: unknown): FaultSettings {
    this.settings = validateFaults(partial, this.settings);
    return this.settings;
  }

  /** Restart the PRNG sequence (after a reset, the same requests get the same faults). */
  reseed(seed: string = this.seed): void {
    this.seed = seed;
    this.random = mulberry32(hashKey(seed, 'faults'));
  }

  /** The Retry-After header of a 429, and the MX ms it asks a client to stay away. */
  retryAfter(): { header: string; mxMs: number } {
    const seconds = Math.ceil(this.settings.retryAfterSeconds);
    return { header: String(seconds), mxMs: seconds * 1000 };
  }

  decide(): FaultDecision {
    const s = this.settings;
    if (s.dropRate + s.rate429 + s.rate500 + s.rate503 === 0) return { kind: 'none' };
    // Cumulative bands over a single draw: each fault gets exactly its fraction.
    const r = this.random();
    if (r < s.dropRate) return { kind: 'drop' };
    if (r < s.dropRate + s.rate429) return { kind: 'status', status: 429 };
    if (r < s.dropRate + s.rate429 + s.rate500) return { kind: 'status', status: 500 };
    if (r < s.dropRate + s.rate429 + s.rate500 + s.rate503) return { kind: 'status', status: 503 };
    return { kind: 'none' };
  }
}
