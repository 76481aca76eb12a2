import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyStore } from '#shared/store/idempotency-store.js';
import { type FreshTable, freshTable } from '#test/support/dynamodb.js';

let table: FreshTable;
let store: IdempotencyStore;
let seq = 0;

beforeAll(async () => {
  table = await freshTable('idempotency-store');
  store = new IdempotencyStore(table.doc, table.tableName);
});
afterAll(() => table.client.destroy());

const at = (second: number) => new Date(Date.UTC(2026, 10, 22, 12, 0, second));
const newKey = () => {
  seq += 1;
  return `key-hash-${seq}`;
};
const claim = (keyHash: string, overrides: { requestHash?: string; now?: Date; ttlSeconds?: number } = {}) =>
  store.claim({
    keyHash,
    requestHash: overrides.requestHash ?? 'body-1',
    now: overrides.now ?? at(0),
    ttlSeconds: overrides.ttlSeconds ?? 86_400,
    leaseSeconds: 60,
  });

describe('IdempotencyStore', () => {
  it('lets exactly one of many concurrent requests with one key run', async () => {
    const keyHash = newKey();

    const claims = await Promise.all(Array.from({ length: 10 }, () => claim(keyHash)));

    expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
    expect(claims.filter((c) => c.kind === 'in_progress')).toHaveLength(9);
  });

  it('replays a completed answer for the same body, and refuses another body', async () => {
    const keyHash = newKey();
    await claim(keyHash);
    await store.complete(keyHash, {
      status: 201,
      body: { member: { guid: 'MBR-1' } },
      headers: { Location: '/users/U/members/MBR-1' },
    });

    const replay = await claim(keyHash, { now: at(30) });
    const other = await claim(keyHash, { now: at(30), requestHash: 'body-2' });

    expect(replay).toEqual({
      kind: 'replay',
      response: { status: 201, body: { member: { guid: 'MBR-1' } }, headers: { Location: '/users/U/members/MBR-1' } },
    });
    expect(other).toEqual({ kind: 'mismatch' });
  });

  it('frees a released key, and one whose request died (lease over) or whose TTL passed', async () => {
    const released = newKey();
    await claim(released);
    await store.release(released);
    const dead = newKey();
    await claim(dead);
    const expired = newKey();
    await claim(expired, { ttlSeconds: 10 });
    await store.complete(expired, { status: 202 });

    expect(await claim(released)).toEqual({ kind: 'claimed' });
    expect(await claim(dead, { now: at(59) })).toEqual({ kind: 'in_progress' });
    expect(await claim(dead, { now: at(61) })).toEqual({ kind: 'claimed' });
    expect(await claim(expired, { now: at(11) })).toEqual({ kind: 'claimed' });
  });

  it('never frees a completed key by a release', async () => {
    const keyHash = newKey();
    await claim(keyHash);
    await store.complete(keyHash, { status: 202 });

    await store.release(keyHash);

    expect(await claim(keyHash, { now: at(1) })).toMatchObject({ kind: 'replay' });
  });
});
