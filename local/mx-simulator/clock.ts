// "MX time": every duration the simulator talks about (job length, challenge expiry, latency,
// status-read gaps) is MX time. Real duration = MX duration × timeScale, so tests can run a
// 6-second MX job in 60 ms with timeScale 0.01. Nothing is scheduled: callers read now().

export class MxClock {
  private anchorReal: number;
  private anchorMx: number;

  constructor(
    private scale: number,
    private readonly realNow: () => number = Date.now,
  ) {
    if (!(scale > 0)) throw new Error(`timeScale must be > 0 (got ${scale})`);
    this.anchorReal = realNow();
    // MX time starts at the real wall-clock time so timestamps look current.
    this.anchorMx = this.anchorReal;
  }

  get timeScale(): number {
    return this.scale;
  }

  /** Current MX time in epoch milliseconds. */
  now(): number {
    return this.anchorMx + (this.realNow() - this.anchorReal) / this.scale;
  }

  /** Change the scale without making MX time jump: re-anchor at the current instant. */
  setTimeScale(scale: number): void {
    if (!(scale > 0)) throw new Error(`timeScale must be > 0 (got ${scale})`);
    this.anchorMx = this.now();
    this.anchorReal = this.realNow();
    this.scale = scale;
  }

  /** Moves MX time forward by `mxMs` at once (days pass in a test); it runs on at its scale from there. */
  advance(mxMs: number): void {
    if (!(mxMs >= 0)) throw new Error(`MX time only moves forward (got ${mxMs})`);
    this.anchorMx += mxMs;
  }

  /** Real milliseconds corresponding to an MX duration. */
  toRealMs(mxMs: number): number {
    return mxMs * this.scale;
  }

  /** MX milliseconds corresponding to a real duration. */
  toMxMs(realMs: number): number {
    return realMs / this.scale;
  }
}

/** ISO-8601 timestamp without milliseconds, the format MX uses (`2020-09-18T16:29:15Z`). */
export function isoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** YYYY-MM-DD (UTC) of an epoch-ms instant. */
export function isoDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}
