import { describe, expect, it } from 'vitest';
import { type LayoutRun, runCopyBench } from '#bench/copy.js';
import { dynamoEndpoint } from '#test/support/dynamodb.js';

describe('the copy bench', () => {
  it('copies 2 accounts × 200 transactions whole, step by step, and compares the layouts under one ceiling', async () => {
    const result = await runCopyBench({
      accounts: 2,
      perAccount: 200,
      comparePerAccount: 50,
      compareCeiling: 250,
      fetchConcurrency: 3,
      // One page a step: the copy must resume from the cursor each step hands back.
      stepPages: 1,
      dynamoEndpoint: dynamoEndpoint(),
    });

    const [main, spread, single] = result.details.runs as LayoutRun[];
    expect(main).toMatchObject({ layout: 'spread', ceilingUnits: 1_000, expectedRows: 402, rowsStored: 402 });
    expect(main!.steps).toBeGreaterThan(1);
    expect(spread).toMatchObject({ layout: 'spread', ceilingUnits: 250, expectedRows: 102, rowsStored: 102 });
    expect(single).toMatchObject({ layout: 'single', ceilingUnits: 250, expectedRows: 102, rowsStored: 102 });
    for (const run of [main!, spread!, single!]) {
      expect(run.finalNext).toBe('RECORD_SUCCESS');
      // The ceiling was on: no key ever took more units in a second than it allows.
      expect(run.peakWriteUnitsPerSecond).toBeLessThanOrEqual(run.ceilingUnits);
      // A retried step may ask again for the pages it had asked, never for more than one step's.
      expect(run.mxCalls).toBeLessThanOrEqual(run.minimumMxCalls + run.retries);
    }
    expect(spread!.partitionKeysWritten).toBeGreaterThan(single!.partitionKeysWritten);
    // Which is faster is the bench's figure to measure, not this test's to time.
    expect(result.figures.map((f) => [f.unit, f.target])).toEqual([
      ['s', '≤ 60'],
      ['rows/s', undefined],
      ['ratio', '1'],
      ['MB', '≤ 256'],
      ['ratio', '≥ 4'],
    ]);
  }, 300_000);
});
