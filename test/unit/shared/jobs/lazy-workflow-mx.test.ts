import { describe, expect, it } from 'vitest';
import { lazyWorkflowMx } from '#shared/jobs/lazy-workflow-mx.js';
import type { MxClient } from '#shared/mx/index.js';

/** An MX client whose making is counted (in AWS: a read of the MX secret). */
function countedClient() {
  let made = 0;
  const client = {
    readMemberStatus: async () => ({ connection_status: 'CONNECTED' }),
    async *listMemberAccounts() {
      yield { items: [{ guid: 'ACT-1' }], totalEntries: 2 };
      yield { items: [{ guid: 'ACT-2' }], totalEntries: 2 };
    },
  } as unknown as MxClient;
  return {
    connect: async () => {
      made += 1;
      return client;
    },
    made: () => made,
  };
}

describe('lazyWorkflowMx', () => {
  it('reads no MX secret for a step that calls no MX, and one for a step that calls it often', async () => {
    const idle = countedClient();
    const busy = countedClient();

    lazyWorkflowMx(idle.connect);
    const mx = lazyWorkflowMx(busy.connect);
    const status = await mx.readMemberStatus('USR-1', 'MBR-1');
    const accounts = [];
    for await (const page of mx.listMemberAccounts('USR-1', 'MBR-1')) accounts.push(...page.items.map((a) => a.guid));

    expect(idle.made()).toBe(0);
    expect(busy.made()).toBe(1);
    expect(status.connection_status).toBe('CONNECTED');
    expect(accounts).toEqual(['ACT-1', 'ACT-2']);
  });
});
