import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MxflowApiClient } from '#cli/api-client.js';
import { maskAccountNumber, runDemo } from '#local/demo-flow.js';
import {
  HARNESS_TRANSACTIONS_PER_ACCOUNT,
  startWorkflowHarness,
  type WorkflowHarness,
} from '#test/support/workflow-harness.js';

let h: WorkflowHarness;

beforeAll(async () => {
  h = await startWorkflowHarness({ simulator: { jobDurationMs: 100_000 } });
});
afterAll(async () => h?.stop());

describe('the demo flow', () => {
  it('verifies, identifies and aggregates through the API, answering every challenge', async () => {
    const lines: string[] = [];

    const details = await runDemo(new MxflowApiClient(h.stack.endpoints.api), (line) => lines.push(line), 10);

    expect(details.summary).toEqual({
      verify: { status: 'SUCCEEDED', account_numbers: 1 },
      identify: { status: 'SUCCEEDED', account_owners: 3 },
      aggregate: { status: 'SUCCEEDED', accounts: 3, transactions: 3 * HARNESS_TRANSACTIONS_PER_ACCOUNT },
    });
    expect(lines.some((l) => /answering "Please select an account:"/.test(l))).toBe(true);
    expect(lines.filter((l) => /SUCCEEDED/.test(l))).toHaveLength(3);
  });

  it('shows only the last four digits of an account number', () => {
    expect(maskAccountNumber('2925989810')).toBe('••••9810');
    expect(maskAccountNumber(undefined)).toBe('—');
  });
});
