import { describe, expect, it } from 'vitest';
import { FaultInjector } from '#local/mx-simulator/faults.js';

function tally(injector: FaultInjector, n: number) {
  const counts = { none: 0, drop: 0, 429: 0, 500: 0, 503: 0 };
  for (let i = 0; i < n; i++) {
    const d = injector.decide();
    if (d.kind === 'status') counts[d.status]++;
    else counts[d.kind]++;
  }
  return counts;
}

describe('fault injection', () => {
  it('honours the configured rates over many requests', () => {
    const n = 20_000;
    const counts = tally(new FaultInjector('seed', { rate429: 0.1, rate500: 0.05, rate503: 0.02, dropRate: 0.03 }), n);
    expect(counts[429] / n).toBeCloseTo(0.1, 1);
    expect(Math.abs(counts[429] / n - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(counts[500] / n - 0.05)).toBeLessThan(0.01);
    expect(Math.abs(counts[503] / n - 0.02)).toBeLessThan(0.01);
    expect(Math.abs(counts.drop / n - 0.03)).toBeLessThan(0.01);
  });

  it('is deterministic for a seed and restarts on reseed', () => {
    const a = new FaultInjector('s', { rate503: 0.5 });
    const b = new FaultInjector('s', { rate503: 0.5 });
    const seqA = Array.from({ length: 50 }, () => a.decide().kind);
    expect(Array.from({ length: 50 }, () => b.decide().kind)).toEqual(seqA);
    a.reseed();
    expect(Array.from({ length: 50 }, () => a.decide().kind)).toEqual(seqA);
  });

  it('injects nothing by default and validates settings', () => {
    const f = new FaultInjector('s');
    expect(tally(f, 100).none).toBe(100);
    expect(() => f.update({ rate429: 1.5 })).toThrow(/between 0 and 1/);
    expect(() => f.update({ rate429: 0.6, rate500: 0.6 })).toThrow(/must not exceed 1/);
    expect(() => f.update({ bogus: 1 })).toThrow(/unknown/);
    expect(f.update({ latencyMs: 200 }).latencyMs).toBe(200);
  });
});
