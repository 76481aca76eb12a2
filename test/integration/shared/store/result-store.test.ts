import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultKind } from '#shared/store/keys.js';
import { type ResultPage, ResultStore } from '#shared/store/result-store.js';
import { countingPrefixReads, type FreshTable, freshTable } from '#test/support/dynamodb.js';

let table: FreshTable;
let results: ResultStore;
let seq = 0;

beforeAll(async () => {
  table = await freshTable('result-store');
  results = new ResultStore(table.doc, table.tableName);
});
afterAll(() => table.client.destroy());

const at = new Date(Date.UTC(2026, 10, 22, 12, 0, 0));
const newMember = () => `MBR-${String(++seq).padStart(3, '0')}`;
const transactions = (account: string, count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => ({
    guid: `TRN-${account}-${String(from + i).padStart(3, '0')}`,
    account_guid: account,
    date: `2026-11-${String((i % 28) + 1).padStart(2, '0')}`,
  }));

/** Every item of the table that mentions the member, in any key or attribute. */
/** One job's copy of one kind, published: what a reader sees once RecordSuccess has run. */
async function copied(member: string, kind: ResultKind, job: string, rows: readonly { guid?: string | null }[]) {
  await results.putResults(member, kind, job, rows, at);
  await results.publishResults(member, job, [kind]);
}

async function itemsOf(member: string): Promise<Record<string, unknown>[]> {
  const { Items = [] } = await table.doc.send(new ScanCommand({ TableName: table.tableName, ConsistentRead: true }));
  return Items.filter((item) => JSON.stringify(item).includes(member));
}

async function walk(
  store: ResultStore,
  member: string,
  limit: number,
  filter?: { accountGuid?: string; fromDate?: string },
): Promise<string[]> {
  const guids: string[] = [];
  let page: ResultPage<{ guid: string }> | undefined;
  do {
    page = await store.listResults<{ guid: string }>(member, 'transactions', {
      limit,
      ...(page?.lastKey ? { startKey: page.lastKey } : {}),
      ...(filter ? { filter } : {}),
    });
    guids.push(...page.items.map((t) => t.guid));
  } while (page.lastKey);
  return guids;
}

describe('ResultStore generations', () => {
  it('serves nothing a job copied until the job is published', async () => {
    const member = newMember();
    await results.putResults(member, 'accounts', 'JOB-1', [{ guid: 'ACT-1' }], at);

    const before = await results.listResults(member, 'accounts');
    await results.publishResults(member, 'JOB-1', ['accounts']);
    const after = await results.listResults(member, 'accounts');

    expect(before.items).toEqual([]);
    expect(after.items).toMatchObject([{ guid: 'ACT-1' }]);
  });

  it('keeps serving the published rows while a later job copies, and after it fails', async () => {
    const member = newMember();
    await copied(member, 'accounts', 'JOB-1', [{ guid: 'ACT-1' }, { guid: 'ACT-2' }]);

    await results.putResults(member, 'accounts', 'JOB-2', [{ guid: 'ACT-3' }], at);

    const page = await results.listResults<{ guid: string; job_guid: string }>(member, 'accounts');
    expect(page.items.map((a) => [a.guid, a.job_guid])).toEqual([
      ['ACT-1', 'JOB-1'],
      ['ACT-2', 'JOB-1'],
    ]);
    expect(await results.countResults(member, 'accounts')).toBe(2);
  });

  it('drops the rows MX no longer returns once the next job is published, from the table too', async () => {
    const member = newMember();
    await copied(member, 'account_numbers', 'JOB-1', [{ guid: 'ACN-1' }, { guid: 'ACN-2' }]);
    await results.putResults(member, 'account_numbers', 'JOB-2', [{ guid: 'ACN-2' }], at);

    await results.publishResults(member, 'JOB-2', ['account_numbers']);

    const page = await results.listResults<{ guid: string }>(member, 'account_numbers');
    expect(page.items.map((n) => n.guid)).toEqual(['ACN-2']);
    expect(await results.countResults(member, 'account_numbers')).toBe(1);
    const rows = (await itemsOf(member)).filter((item) => String(item.pk).startsWith('RESULTS#'));
    expect(rows.map((row) => row.job_guid)).toEqual(['JOB-2']);
  });

  it('reads the generations of each kind once to publish it and delete what it supersedes', async () => {
    const member = newMember();
    await copied(member, 'accounts', 'JOB-1', [{ guid: 'ACT-1' }]);
    await copied(member, 'account_numbers', 'JOB-1', [{ guid: 'ACN-1' }]);
    await results.putResults(member, 'accounts', 'JOB-2', [{ guid: 'ACT-1' }], at);
    await results.putResults(member, 'account_numbers', 'JOB-2', [{ guid: 'ACN-1' }], at);
    const { doc: counted, reads: generationReads } = countingPrefixReads(table.client, 'GENERATION#');

    await new ResultStore(counted, table.tableName).publishResults(member, 'JOB-2', ['accounts', 'account_numbers']);

    expect(generationReads).toHaveLength(2);
    expect(new Set(generationReads).size).toBe(2);
    const rows = (await itemsOf(member)).filter((item) => String(item.pk).startsWith('RESULTS#'));
    expect(rows.map((row) => row.job_guid)).toEqual(['JOB-2', 'JOB-2']);
  });

  it('hands on the superseded rows a publish had no time for, never serving them, and deletes them when asked', async () => {
    const member = newMember();
    const hurried = new ResultStore(table.doc, table.tableName, { cleanupBudgetMs: -1 });
    await copied(member, 'account_owners', 'JOB-1', [{ guid: 'ACO-1' }]);
    await results.putResults(member, 'account_owners', 'JOB-2', [{ guid: 'ACO-2' }], at);

    const left = await hurried.publishResults(member, 'JOB-2', ['account_owners']);
    const served = await results.listResults<{ guid: string }>(member, 'account_owners');
    const leftOver = (await itemsOf(member)).filter((item) => item.job_guid === 'JOB-1');
    const stillLeft = await results.deleteSuperseded(member, left, Date.now() + 10_000);

    expect(left).toEqual([{ kind: 'account_owners', generation: 'JOB-1' }]);
    expect(served.items.map((o) => o.guid)).toEqual(['ACO-2']);
    expect(leftOver).toHaveLength(1);
    expect(stillLeft).toEqual([]);
    expect((await itemsOf(member)).filter((item) => item.job_guid === 'JOB-1')).toEqual([]);
  });

  it('deletes only the superseded generations it is given: a later job copying meanwhile keeps its rows', async () => {
    const member = newMember();
    const hurried = new ResultStore(table.doc, table.tableName, { cleanupBudgetMs: -1 });
    await copied(member, 'transactions', 'JOB-1', transactions('ACT-1', 30));
    await results.putResults(member, 'transactions', 'JOB-2', transactions('ACT-1', 3), at);
    const left = await hurried.publishResults(member, 'JOB-2', ['transactions']);
    await results.putResults(member, 'transactions', 'JOB-3', transactions('ACT-1', 5), at);

    const answer = await results.deleteSuperseded(member, left, Date.now() + 10_000);

    const rows = (await itemsOf(member)).filter((item) => String(item.pk).startsWith('RESULTS#'));
    expect(answer).toEqual([]);
    expect(rows.filter((row) => row.job_guid === 'JOB-1')).toEqual([]);
    expect(rows.filter((row) => row.job_guid === 'JOB-3')).toHaveLength(5);
    expect(await results.countResults(member, 'transactions')).toBe(3);
  });

  it('answers the generations it had no time for when the deadline has passed', async () => {
    const member = newMember();
    const hurried = new ResultStore(table.doc, table.tableName, { cleanupBudgetMs: -1 });
    await copied(member, 'accounts', 'JOB-1', [{ guid: 'ACT-1' }]);
    await results.putResults(member, 'accounts', 'JOB-2', [{ guid: 'ACT-1' }], at);
    const left = await hurried.publishResults(member, 'JOB-2', ['accounts']);

    const answer = await results.deleteSuperseded(member, left, Date.now() - 1);

    expect(answer).toEqual(left);
    expect((await itemsOf(member)).filter((item) => item.job_guid === 'JOB-1')).toHaveLength(1);
  });

  it('publishes only the kinds named, leaving the others on their own generation', async () => {
    const member = newMember();
    await copied(member, 'transactions', 'JOB-1', transactions('ACT-1', 2));
    await results.putResults(member, 'accounts', 'JOB-2', [{ guid: 'ACT-1' }], at);

    await results.publishResults(member, 'JOB-2', ['accounts']);

    expect(await results.countResults(member, 'transactions')).toBe(2);
    expect(await results.countResults(member, 'accounts')).toBe(1);
  });

  it('stores a page twice without duplicating a row', async () => {
    const member = newMember();
    const page = transactions('ACT-1', 60);

    await results.putResults(member, 'transactions', 'JOB-1', page, at);
    await copied(member, 'transactions', 'JOB-1', page);

    expect(await walk(results, member, 50)).toEqual(page.map((t) => t.guid));
  });

  it('refuses a page holding an item without a guid, storing none of it', async () => {
    const member = newMember();

    const failure = results.putResults(member, 'accounts', 'JOB-1', [{ guid: 'ACT-1' }, { guid: null }], at);

    await expect(failure).rejects.toThrow(/no guid/);
    await results.publishResults(member, 'JOB-1', ['accounts']);
    expect((await results.listResults(member, 'accounts')).items).toEqual([]);
  });
});

describe('ResultStore transactions spread by account', () => {
  it('writes the transactions of two accounts under two partition keys', async () => {
    const member = newMember();

    await results.putResults(
      member,
      'transactions',
      'JOB-1',
      [...transactions('ACT-1', 3), ...transactions('ACT-2', 2)],
      at,
    );

    const rows = (await itemsOf(member)).filter((item) => String(item.pk).startsWith('RESULTS#'));
    const partitions = new Set(rows.map((row) => row.pk));
    expect(partitions.size).toBe(2);
    expect(rows).toHaveLength(5);
  });

  it('keeps the single-partition layout when spreading is off', async () => {
    const member = newMember();
    const single = new ResultStore(table.doc, table.tableName, { spreadByAccount: false });

    await single.putResults(
      member,
      'transactions',
      'JOB-1',
      [...transactions('ACT-1', 3), ...transactions('ACT-2', 2)],
      at,
    );
    await single.publishResults(member, 'JOB-1', ['transactions']);

    const rows = (await itemsOf(member)).filter((item) => String(item.pk).startsWith('RESULTS#'));
    expect(new Set(rows.map((row) => row.pk)).size).toBe(1);
    expect(await walk(results, member, 2)).toHaveLength(5);
  });

  it('walks every account with one cursor, without losing or repeating a transaction', async () => {
    const member = newMember();
    const all = [...transactions('ACT-2', 7), ...transactions('ACT-1', 5), ...transactions('ACT-3', 3)];
    await results.putResults(member, 'transactions', 'JOB-1', all, at);
    await copied(member, 'transactions', 'JOB-1', transactions('ACT-4', 0));

    const byThree = await walk(results, member, 3);
    const byFive = await walk(results, member, 5);
    const byAll = await walk(results, member, 100);

    const expected = all.map((t) => t.guid).sort();
    expect(byThree).toEqual(expected);
    expect(byFive).toEqual(expected);
    expect(byAll).toEqual(expected);
    expect(await results.countResults(member, 'transactions')).toBe(15);
  });

  it('filters by account and date across pages', async () => {
    const member = newMember();
    await copied(member, 'transactions', 'JOB-1', [...transactions('ACT-1', 30), ...transactions('ACT-2', 30)]);

    const ofOne = await walk(results, member, 4, { accountGuid: 'ACT-2' });
    const late = await walk(results, member, 4, { fromDate: '2026-11-27' });

    expect(ofOne).toEqual(transactions('ACT-2', 30).map((t) => t.guid));
    expect(late).toEqual(['TRN-ACT-1-026', 'TRN-ACT-1-027', 'TRN-ACT-2-026', 'TRN-ACT-2-027']);
  });

  it('continues a cursor in the generation published after it was handed out', async () => {
    const member = newMember();
    await copied(member, 'transactions', 'JOB-1', [...transactions('ACT-1', 4), ...transactions('ACT-2', 4)]);
    const first = await results.listResults<{ guid: string }>(member, 'transactions', { limit: 3 });
    await copied(member, 'transactions', 'JOB-2', [...transactions('ACT-1', 4), ...transactions('ACT-2', 4)]);

    const rest = await results.listResults<{ guid: string; job_guid: string }>(member, 'transactions', {
      limit: 100,
      ...(first.lastKey ? { startKey: first.lastKey } : {}),
    });

    expect([...first.items, ...rest.items].map((t) => t.guid)).toEqual(
      [...transactions('ACT-1', 4), ...transactions('ACT-2', 4)].map((t) => t.guid),
    );
    expect(new Set(rest.items.map((t) => t.job_guid))).toEqual(new Set(['JOB-2']));
  });
});
