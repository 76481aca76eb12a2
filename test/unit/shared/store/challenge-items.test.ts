import { describe, expect, it } from 'vitest';
import {
  ChallengesTooLarge,
  challengeChunkItems,
  challengesFromChunks,
  MAX_CHALLENGE_ROUND_CHARS,
} from '#shared/store/challenge-items.js';

const job = { memberGuid: 'MBR-1', jobGuid: 'JOB-1' };
const now = new Date('2026-12-01T00:00:00Z');
const image = (chars: number) => ({ guid: 'CRD-1', type: 'IMAGE_DATA', label: 'Code?', image_data: 'A'.repeat(chars) });

describe('challenge chunk items', () => {
  it('cuts a 900 KB round into items each far below DynamoDB’s 400 KB limit, and reads it back whole', () => {
    const round = [image(900_000), { guid: 'CRD-2', type: 'TEXT', label: 'City?' }];

    const { ref, items } = challengeChunkItems(job, round, now);

    expect(ref.chunks).toBe(4);
    expect(items.every((item) => JSON.stringify(item).length < 350_000)).toBe(true);
    expect(challengesFromChunks(ref, [...items].reverse())).toEqual(round);
  });

  it('keeps a small round in one item that expires on its own after two days', () => {
    const { ref, items } = challengeChunkItems(job, [image(10)], now);

    expect(ref.chunks).toBe(1);
    expect(items[0]).toMatchObject({ pk: 'MEMBER#MBR-1', expires_at: now.getTime() / 1000 + 2 * 24 * 3600 });
    expect(String(items[0]?.sk)).toMatch(/^CHALLENGE#JOB-1#/);
  });

  it('answers nothing rather than a broken round when a chunk is missing', () => {
    const { ref, items } = challengeChunkItems(job, [image(700_000)], now);

    expect(challengesFromChunks(ref, items.slice(1))).toBeUndefined();
  });

  it('refuses a round of absurd size with ChallengesTooLarge', () => {
    expect(() => challengeChunkItems(job, [image(MAX_CHALLENGE_ROUND_CHARS)], now)).toThrow(ChallengesTooLarge);
  });
});
