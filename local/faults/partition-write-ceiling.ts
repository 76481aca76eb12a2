/** One write as the ceiling sees it: the partition-key value it lands on and the write units it costs. */
export interface PartitionWrite {
  readonly partitionKey: string;
  readonly units: number;
}

export interface PartitionWriteStats {
  /** The most write units any one partition key took in any one second. */
  readonly peakWriteUnitsPerSecond: number;
  readonly peakPartitionKey: string | undefined;
  readonly partitionKeysWritten: number;
  readonly writeUnits: number;
}

const WINDOW_MS = 1_000;
/** How many writes between sweeps of the keys nobody wrote to for a second. */
const SWEEP_EVERY = 10_000;

class Window {
  private readonly at: number[] = [];
  private readonly units: number[] = [];
  private head = 0;
  total = 0;

  /** Forgets the writes older than one second before `now`. */
  prune(now: number): void {
    while (this.head < this.at.length && (this.at[this.head] ?? 0) <= now - WINDOW_MS) {
      this.total -= this.units[this.head] ?? 0;
      this.head += 1;
    }
    if (this.head > 1_024 && this.head * 2 > this.at.length) {
      this.at.splice(0, this.head);
      this.units.splice(0, this.head);
      this.head = 0;
    }
  }

  add(now: number, units: number): void {
    this.at.push(now);
    this.units.push(units);
    this.total += units;
  }

  get empty(): boolean {
    return this.head === this.at.length;
  }
}

/**
 * DynamoDB's per-partition write limit (1,000 write units a second for one partition-key value,
 * however high the table's capacity), as a token bucket per key whose units come back one second
 * after they were spent: no second ever holds more than the limit on one key, and a key idle for
 * a second has its whole second again. Without a limit it only measures.
 */
export class PartitionWriteCeiling {
  private readonly windows = new Map<string, Window>();
  private readonly keysWritten = new Set<string>();
  private peak = { units: 0, partitionKey: undefined as string | undefined };
  private writeUnits = 0;
  private writesSinceSweep = 0;

  constructor(
    /** Write units a second per partition key; undefined measures without refusing. */
    private readonly unitsPerSecond: number | undefined,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes every write, or (over the limit on any key) none: a transaction is all or nothing. */
  admit(writes: readonly PartitionWrite[]): boolean {
    const now = this.now();
    const wanted = new Map<string, number>();
    for (const write of writes) wanted.set(write.partitionKey, (wanted.get(write.partitionKey) ?? 0) + write.units);
    if (this.unitsPerSecond !== undefined) {
      for (const [partitionKey, units] of wanted) {
        const window = this.windows.get(partitionKey);
        window?.prune(now);
        if ((window?.total ?? 0) + units > this.unitsPerSecond) return false;
      }
    }
    for (const [partitionKey, units] of wanted) this.record(partitionKey, units, now);
    this.writesSinceSweep += writes.length;
    if (this.writesSinceSweep >= SWEEP_EVERY) this.sweep(now);
    return true;
  }

  stats(): PartitionWriteStats {
    return {
      peakWriteUnitsPerSecond: this.peak.units,
      peakPartitionKey: this.peak.partitionKey,
      partitionKeysWritten: this.keysWritten.size,
      writeUnits: this.writeUnits,
    };
  }

  private record(partitionKey: string, units: number, now: number): void {
    let window = this.windows.get(partitionKey);
    if (!window) {
      window = new Window();
      this.windows.set(partitionKey, window);
    }
    window.prune(now);
    window.add(now, units);
    this.keysWritten.add(partitionKey);
    this.writeUnits += units;
    if (window.total > this.peak.units) this.peak = { units: window.total, partitionKey };
  }

  private sweep(now: number): void {
    this.writesSinceSweep = 0;
    for (const [partitionKey, window] of this.windows) {
      window.prune(now);
      if (window.empty) this.windows.delete(partitionKey);
    }
  }
}
