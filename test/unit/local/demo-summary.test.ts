import { describe, expect, it } from 'vitest';
import { type DemoDetails, describeAccountNumbers, summaryRows } from '#local/demo-flow.js';

describe('the demo summary of account numbers', () => {
  it('shows the account’s own masked number, never a TAN’s digits', () => {
    const summary = describeAccountNumbers({
      accountNumbers: [
        { account_guid: 'ACT-1', account_number: '99901234567890123', routing_number: '021000021', is_tokenized: true },
      ],
      accounts: [{ guid: 'ACT-1', account_number: 'XXXXXX9810' }],
    });

    expect(summary).toBe('••••9810 (routing 021000021)');
  });

  it('masks a real number to its last four when its account is not at hand, and shows no digits of a TAN then', () => {
    const summary = describeAccountNumbers({
      accountNumbers: [
        { account_guid: 'ACT-1', account_number: '2925989810', routing_number: '128069910', is_tokenized: false },
        { account_guid: 'ACT-2', account_number: '99901234567890123', routing_number: '021000021', is_tokenized: true },
      ],
      accounts: [],
    });

    expect(summary).toBe('••••9810 (routing 128069910), tokenized (routing 021000021)');
  });
});

describe('the demo summary table', () => {
  const details = (counts: {
    numbers: number;
    owners: number;
    accounts: number;
    transactions: number;
  }): DemoDetails => ({
    summary: {
      verify: { status: 'SUCCEEDED', account_numbers: counts.numbers },
      identify: { status: 'SUCCEEDED', account_owners: counts.owners },
      aggregate: { status: 'SUCCEEDED', accounts: counts.accounts, transactions: counts.transactions },
    },
    accountNumbers: Array.from({ length: counts.numbers }, () => ({
      account_guid: 'ACT-1',
      routing_number: '128069910',
    })),
    owners: Array.from({ length: counts.owners }, () => ({ owner_name: 'Morgan Placeholder' })),
    accounts: [{ guid: 'ACT-1', type: 'CHECKING', account_number: 'XXXXXX9810' }],
  });

  it('counts in plain grammar: one of a thing, several things', () => {
    const one = summaryRows(details({ numbers: 1, owners: 1, accounts: 1, transactions: 1 })).map((row) => row.what);
    const many = summaryRows(details({ numbers: 2, owners: 3, accounts: 3, transactions: 150 })).map((row) => row.what);

    expect(one).toEqual([
      '1 account number: ••••9810 (routing 128069910)',
      '1 owner record: Morgan Placeholder',
      '1 account (CHECKING), 1 transaction',
    ]);
    expect(many.map((what) => what.split(':')[0])).toEqual([
      '2 account numbers',
      '3 owner records',
      '3 accounts (CHECKING), 150 transactions',
    ]);
  });
});
