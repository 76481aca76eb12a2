import { hashKey, mulberry32 } from '#local/mx-simulator/random.js';

/** The dice every fault is decided by: seeded, so the same seed and request order give the same faults. */
export interface FaultRandom {
  /** True with probability `rate` (0 never, 1 always, without drawing). */
  chance(rate: number | undefined): boolean;
  /** A float in [0, 1). */
  next(): number;
}

export function faultRandom(seed: string): FaultRandom {
  const next = mulberry32(hashKey('local-faults', seed));
  return {
    next,
    chance(rate) {
      if (!rate || rate <= 0) return false;
      if (rate >= 1) return true;
      return next() < rate;
    },
  };
}
