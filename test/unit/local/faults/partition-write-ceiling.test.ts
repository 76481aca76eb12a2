import { describe, expect, it } from 'vitest';
import { PartitionWriteCeiling } from '#local/faults/partition-write-ceiling.js';

describe('the per-partition write ceiling', () => {
  it('admits 1,000 units a second on one key and gives them back a second after they were spent', () => {
    let now = 0;
    const ceiling = new PartitionWriteCeiling(1_000, () => now);
    const write = { partitionKey: 'MBR-1', units: 1 };

    const first = Array.from({ length: 1_500 }, () => ceiling.admit([write])).filter(Boolean).length;
    now = 999;
    const stillFull = ceiling.admit([write]);
    now = 1_000;
    const refilled = Array.from({ length: 1_500 }, () => ceiling.admit([write])).filter(Boolean).length;

    expect(first).toBe(1_000);
    expect(stillFull).toBe(false);
    expect(refilled).toBe(1_000);
    expect(ceiling.stats()).toMatchObject({
      peakWriteUnitsPerSecond: 1_000,
      partitionKeysWritten: 1,
      writeUnits: 2_000,
    });
  });

  it('limits each key on its own', () => {
    const ceiling = new PartitionWriteCeiling(1_000, () => 0);

    const admitted = Array.from({ length: 2_000 }, (_, index) =>
      ceiling.admit([{ partitionKey: `MBR-1#${index % 20}`, units: 1 }]),
    );

    expect(admitted.every(Boolean)).toBe(true);
    expect(ceiling.stats()).toMatchObject({ peakWriteUnitsPerSecond: 100, partitionKeysWritten: 20 });
  });

  it('takes a transaction whole or not at all', () => {
    const ceiling = new PartitionWriteCeiling(10, () => 0);
    ceiling.admit([{ partitionKey: 'MBR-2', units: 9 }]);

    const admitted = ceiling.admit([
      { partitionKey: 'MBR-1', units: 2 },
      { partitionKey: 'MBR-2', units: 2 },
    ]);

    expect(admitted).toBe(false);
    expect(ceiling.stats()).toMatchObject({ writeUnits: 9, partitionKeysWritten: 1 });
  });

  it('only measures when it has no limit', () => {
    const ceiling = new PartitionWriteCeiling(undefined, () => 0);

    const admitted = Array.from({ length: 3_000 }, () => ceiling.admit([{ partitionKey: 'MBR-1', units: 1 }]));

    expect(admitted.every(Boolean)).toBe(true);
    expect(ceiling.stats().peakWriteUnitsPerSecond).toBe(3_000);
  });
});
