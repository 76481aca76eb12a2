import { describe, expect, it } from 'vitest';
import { generateAccounts } from '#local/mx-simulator/account-data.js';
import {
  generateTransaction,
  type TransactionAccountRef,
  type TransactionWindow,
  transactionDate,
  transactionIndexRange,
} from '#local/mx-simulator/transaction-data.js';
import { indexesByDate, pageOfTransactions } from '#local/mx-simulator/transaction-timeline.js';

const window: TransactionWindow = { perAccount: 500, historyDays: 90, endDate: '2024-03-31' };
const account: TransactionAccountRef = {
  guid: 'ACT-test-1',
  memberGuid: 'MBR-test',
  userGuid: 'USR-test',
  userId: null,
};
/** The seeded history alone (no later days), dated within [from, to]. */
const selectionOf = (w: TransactionWindow, accounts: TransactionAccountRef[], from: string, to: string) => {
  const timeline = { seed: 'seed', window: w, dailyPerAccount: 0, replacedShare: 0, gatherings: [], extendedAt: null };
  return [{ timeline, accounts, ranges: indexesByDate(timeline, from, to) }];
};
const all = (w: TransactionWindow, acc = account) =>
  Array.from({ length: w.perAccount }, (_, i) => generateTransaction('seed', acc, i, w));

describe('data generator', () => {
  it('produces byte-identical accounts and transactions for the same seed and inputs', () => {
    // Prepare
    const ctx = {
      seed: 's1',
      memberGuid: 'MBR-x',
      userGuid: 'USR-x',
      institutionCode: 'mxbank',
      institutionName: 'MX Bank',
      accountSet: 'all_types' as const,
    };
    // Act
    const first = JSON.stringify([generateAccounts(ctx), all(window)]);
    const second = JSON.stringify([generateAccounts(ctx), all(window)]);
    const otherSeed = JSON.stringify(generateAccounts({ ...ctx, seed: 's2' }));
    // Assert
    expect(second).toBe(first);
    expect(otherSeed).not.toBe(JSON.stringify(generateAccounts(ctx)));
  });

  it('uses MX-style guids', () => {
    const [acc] = generateAccounts({
      seed: 's',
      memberGuid: 'MBR-x',
      userGuid: 'USR-x',
      institutionCode: 'mxbank',
      institutionName: 'MX Bank',
      accountSet: 'default',
    });
    expect(acc!.guid).toMatch(/^ACT-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(generateTransaction('s', account, 0, window).guid).toMatch(/^TRN-[0-9a-f]{8}-/);
  });

  it('dates transactions monotonically inside the history window', () => {
    const txs = all(window);
    const dates = txs.map((t) => t.date!);
    expect([...dates].sort()).toEqual(dates);
    expect(dates[0]).toBe('2024-01-02'); // 90 days ending 2024-03-31
    expect(dates.at(-1)).toBe('2024-03-31');
  });

  it('finds exactly the transactions of a date range by index arithmetic', () => {
    const txs = all(window);
    const ranges: Array<[string, string]> = [
      ['2024-01-01', '2024-12-31'],
      ['2024-02-10', '2024-02-10'],
      ['2024-02-10', '2024-03-02'],
      ['2023-01-01', '2023-12-31'],
      ['2024-03-31', '2024-03-31'],
      ['2024-03-01', '2024-02-01'],
    ];
    for (const [from, to] of ranges) {
      const expected = txs.filter((t) => t.date! >= from && t.date! <= to).map((t) => t.guid);
      const [start, end] = transactionIndexRange(window, from, to);
      expect(
        txs.slice(start, end).map((t) => t.guid),
        `${from}..${to}`,
      ).toEqual(expected);
    }
  });

  it('pages over several accounts consistently with the whole list', () => {
    const accounts = [account, { ...account, guid: 'ACT-test-2' }];
    const w = { ...window, perAccount: 37 };
    const whole = accounts.flatMap((a) => all(w, a)).filter((t) => t.date! >= '2024-02-01');
    const selection = selectionOf(w, accounts, '2024-02-01', '2024-03-31');
    const { total } = pageOfTransactions(selection, 0, 10);
    const pages = Array.from({ length: Math.ceil(total / 10) + 1 }, (_, p) => p); // one page past the end
    const paged = pages.flatMap((p) => pageOfTransactions(selection, p * 10, 10).rows);
    expect(total).toBe(whole.length);
    expect(paged.map((t) => t.guid)).toEqual(whole.map((t) => t.guid));
  });

  it('serves a late page of 100,000 transactions per account without generating them all', () => {
    const big = { ...window, perAccount: 100_000 };
    const started = performance.now();
    const page = pageOfTransactions(selectionOf(big, [account], '2024-01-01', '2024-03-31'), 99_000, 1000);
    expect(performance.now() - started).toBeLessThan(500);
    expect(page.total).toBe(100_000);
    expect(page.rows).toHaveLength(1000);
    expect(page.rows.at(-1)!.guid).toBe(generateTransaction('seed', account, 99_999, big).guid);
    expect(transactionDate(99_999, big)).toBe('2024-03-31');
  });
});
