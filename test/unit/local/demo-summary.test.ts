import { describe, expect, it } from 'vitest';
import { describeAccountNumbers } from '#local/demo-flow.js';

describe('the demo summary of account numbers', () => {
  it('shows the account’s own masked number, never a TAN’s digits', () => {
    const summary = describeAccountNumbers({
      accountNumbers: [{ account_guid: 'ACT-1', account_number: '99901234567890123', routing_number: '021000021', is_tokenized: true }],
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
