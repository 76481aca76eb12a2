import { describe, expect, it } from 'vitest';
import { itemSizeBytes, writeUnits } from '#local/faults/write-units.js';

describe('write units', () => {
  it('sizes an item as its attribute names plus their values', () => {
    const item = { pk: { S: 'MBR-1' }, sk: { S: 'TXN-1' }, amount: { N: '1234.5' }, pending: { BOOL: false } };

    // 2+5, 2+5, 6+(1 + one per two significant digits, rounded up: 3), 7+1
    expect(itemSizeBytes(item)).toBe(32);
    expect(itemSizeBytes({ n: { N: '1000' } })).toBe(itemSizeBytes({ n: { N: '1' } }));
  });

  it('counts nested lists and maps with their overhead', () => {
    const item = { tags: { L: [{ S: 'ab' }, { S: 'c' }] }, owner: { M: { name: { S: 'Morgan' } } } };

    // tags: 4 + 3 + (1+2) + (1+1); owner: 5 + 3 + 1 + (4+6)
    expect(itemSizeBytes(item)).toBe(31);
  });

  it('bills one unit per KB rounded up, at least one, and double in a transaction', () => {
    const kilobyte = (bytes: number) => ({ pk: { S: 'x'.repeat(bytes - 2) } });

    expect(writeUnits(undefined)).toBe(1);
    expect(writeUnits(kilobyte(100))).toBe(1);
    expect(writeUnits(kilobyte(1_024))).toBe(1);
    expect(writeUnits(kilobyte(1_025))).toBe(2);
    expect(writeUnits(kilobyte(1_025), { transactional: true })).toBe(4);
  });
});
