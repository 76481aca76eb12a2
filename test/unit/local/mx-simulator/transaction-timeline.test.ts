import { describe, expect, it } from 'vitest';
import type { TransactionAccountRef } from '#local/mx-simulator/transaction-data.js';
import {
  indexesByDate,
  indexesByUpdate,
  indexSpan,
  type TransactionTimeline,
  transactionAt,
  transactionCount,
} from '#local/mx-simulator/transaction-timeline.js';

const account: TransactionAccountRef = { guid: 'ACT-1', memberGuid: 'MBR-1', userGuid: 'USR-1', userId: null };
const at = (date: string, hour = 6) => Date.parse(`${date}T${String(hour).padStart(2, '0')}:00:00Z`);
/** The simulator started on 2026-03-01 with 30 days of history, 60 transactions; 4 new ones a day since. */
const timeline = (gatherings: number[], extendedAt: number | null = null): TransactionTimeline => ({
  seed: 'timeline',
  window: { perAccount: 60, historyDays: 30, endDate: '2026-03-01' },
  dailyPerAccount: 4,
  replacedShare: 0.5,
  gatherings,
  extendedAt,
});
const every = (t: TransactionTimeline) => {
  const [first, end] = indexSpan(t);
  return Array.from({ length: end - first }, (_, i) => ({ k: first + i, row: transactionAt(t, account, first + i) }));
};
const flatten = (ranges: readonly (readonly [number, number])[]) =>
  ranges.flatMap(([start, end]) => Array.from({ length: end - start }, (_, i) => start + i));

describe('transactions as they live at MX', () => {
  it('knows the days after the first only once an aggregation gathered them', () => {
    expect(transactionCount(timeline([]))).toBe(60);
    expect(transactionCount(timeline([at('2026-03-01')]))).toBe(60);
    expect(transactionCount(timeline([at('2026-03-01'), at('2026-03-04')]))).toBe(60 + 3 * 4);
  });

  it("keeps a day's transactions PENDING, and posts them at the next day's aggregation, a share under a new guid", () => {
    const day1 = timeline([at('2026-03-01'), at('2026-03-02')]);
    const day2 = timeline([at('2026-03-01'), at('2026-03-02'), at('2026-03-03')]);
    const newOnDay1 = [60, 61, 62, 63];

    const pending = newOnDay1.map((k) => transactionAt(day1, account, k));
    const posted = newOnDay1.map((k) => transactionAt(day2, account, k));

    expect(pending.map((t) => [t.date, t.status, t.created_at])).toEqual(
      newOnDay1.map(() => ['2026-03-02', 'PENDING', '2026-03-02T06:00:00Z']),
    );
    expect(posted.every((t) => t.status === 'POSTED' && t.updated_at === '2026-03-03T06:00:00Z')).toBe(true);
    const replaced = posted.filter((t, i) => t.guid !== pending[i]?.guid);
    expect(replaced.length).toBeGreaterThan(0);
    expect(replaced.length).toBeLessThan(posted.length);
    // A posted record keeps what the purchase was.
    expect(posted.map((t) => [t.amount, t.description])).toEqual(pending.map((t) => [t.amount, t.description]));
  });

  it('posts what was pending on the first day too, and leaves the older history as it was', () => {
    const first = timeline([at('2026-03-01')]);
    const next = timeline([at('2026-03-01'), at('2026-03-02')]);
    const before = every(first);
    const after = every(next).slice(0, 60);

    const changed = after.filter(({ k, row }) => JSON.stringify(row) !== JSON.stringify(before[k]?.row));

    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every(({ k }) => before[k]?.row.status === 'PENDING' && before[k]?.row.date === '2026-03-01')).toBe(
      true,
    );
    expect(before.filter(({ row }) => row.status === 'PENDING')).toHaveLength(changed.length);
  });

  it('selects by updated_at and by date exactly what a scan of every transaction selects', () => {
    const t = timeline(
      [at('2026-03-01'), at('2026-03-02', 3), at('2026-03-02', 20), at('2026-03-05'), at('2026-03-06')],
      at('2026-03-05', 9),
    );
    const rows = every(t);
    for (const [from, to] of [
      ['2026-03-02', '2026-03-02'],
      ['2026-03-05', '2026-03-06'],
      ['2026-02-20', '2026-03-01'],
      ['2026-01-01', '2026-12-31'],
      ['2024-01-01', '2026-01-31'],
    ] as const) {
      const byUpdate = rows.filter(
        ({ row }) => String(row.updated_at).slice(0, 10) >= from && String(row.updated_at).slice(0, 10) <= to,
      );
      const byDate = rows.filter(({ row }) => String(row.date) >= from && String(row.date) <= to);

      expect(flatten(indexesByUpdate(t, from, to)), `updated ${from}..${to}`).toEqual(byUpdate.map(({ k }) => k));
      expect(flatten(indexesByDate(t, from, to)), `dated ${from}..${to}`).toEqual(byDate.map(({ k }) => k));
    }
  });

  it('adds older transactions back to 24 months once MX extended the history, found when the history job ran', () => {
    const gathered = [at('2026-03-01')];
    const plain = every(timeline(gathered));
    const extended = every(timeline(gathered, at('2026-03-01', 9)));

    const older = extended.filter(({ k }) => k < 0).map(({ row }) => row);
    expect(older.length).toBe(Math.floor((60 * (730 - 30)) / 30));
    expect(String(older[0]?.date) >= '2024-03-01').toBe(true);
    expect(older.every((t) => String(t.date) < '2026-01-31' && t.updated_at === '2026-03-01T09:00:00Z')).toBe(true);
    expect(extended.filter(({ k }) => k >= 0)).toEqual(plain);
    expect(extended.map(({ row }) => row.date)).toEqual(extended.map(({ row }) => row.date).sort());
    expect(new Set(extended.map(({ row }) => row.guid)).size).toBe(extended.length);
    expect(transactionCount(timeline(gathered, at('2026-03-01', 9)))).toBe(extended.length);
  });
});
