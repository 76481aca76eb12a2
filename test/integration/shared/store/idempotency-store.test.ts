import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyStore } from '#shared/store/idempotency-store.js';
import { keys } from '#shared/store/keys.js';
import { type FreshTable, freshTable } from '#test/support/dynamodb.js';
import { testFieldCiphers } from '#test/support/field-ciphers.js';

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

describe('IdempotencyStore with a cipher (the members API’s)', () => {
  const keptAnswer = async (keyHash: string) =>
    (await table.doc.send(new GetCommand({ TableName: table.tableName, Key: keys.idempotencyKey(keyHash) }))).Item
      ?.response;
  const answer = { status: 201, body: { member: { guid: 'MBR-1', metadata: 'nickname-joint-7f2' } } };
  const owner = { userGuid: 'USR-1', expiresAt: 2_000_000_000 };

  it('keeps an answer about a user encrypted, bound to the user, and replays it as it was', async () => {
    const sealing = new IdempotencyStore(table.doc, table.tableName, testFieldCiphers().both);
    const keyHash = newKey();
    await sealing.claim({ keyHash, requestHash: 'body-1', now: at(0), ttlSeconds: 86_400, leaseSeconds: 60 });

    await sealing.complete(keyHash, answer, owner);
    const kept = await keptAnswer(keyHash);
    const replay = await sealing.claim({
      keyHash,
      requestHash: 'body-1',
      now: at(1),
      ttlSeconds: 86_400,
      leaseSeconds: 60,
    });

    expect(kept).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(kept as Uint8Array).toString('latin1')).not.toContain('nickname');
    expect(replay).toEqual({ kind: 'replay', response: answer });
  });

  it('keeps it readable without a cipher (the jobs API’s answers hold guids and statuses only)', async () => {
    const keyHash = newKey();
    await claim(keyHash);

    await store.complete(keyHash, answer, owner);

    expect(await keptAnswer(keyHash)).toBe(JSON.stringify(answer));
  });
});
