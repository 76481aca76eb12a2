import { describe, expect, it } from 'vitest';
import { isoSeconds, MxClock } from '#local/mx-simulator/clock.js';

describe('MX clock', () => {
  it('runs MX time 1/timeScale times faster than real time', () => {
    let real = 1_000_000;
    const clock = new MxClock(0.01, () => real);
    const start = clock.now();
    real += 60; // 60 real ms
    expect(clock.now() - start).toBeCloseTo(6000);
    expect(clock.toRealMs(6000)).toBeCloseTo(60);
    expect(clock.toMxMs(60)).toBeCloseTo(6000);
  });

  it('changes scale without a jump in MX time', () => {
    let real = 0;
    const clock = new MxClock(1, () => real);
    real = 1000;
    const before = clock.now();
    clock.setTimeScale(0.1);
    expect(clock.now()).toBe(before);
    real += 100;
    expect(clock.now() - before).toBeCloseTo(1000);
  });

  it('rejects a non-positive scale and formats MX timestamps', () => {
    expect(() => new MxClock(0)).toThrow();
    expect(isoSeconds(Date.UTC(2020, 8, 18, 16, 29, 15, 999))).toBe('2020-09-18T16:29:15Z');
  });
});
