import type { ChallengeResponse } from 'mx-platform-node';
import { keys } from './keys.js';

/**
 * A round of challenges is kept in items of its own beside the job, its JSON cut into chunks:
 * image challenges carry base64 data, and DynamoDB refuses any item over 400 KB.
 */
const CHUNK_CHARS = 300_000;
/** MX's images are a few KB; a round past this is refused rather than stored. */
export const MAX_CHALLENGE_ROUND_CHARS = 4_000_000;
/** Chunks outlive their job by at most this (DynamoDB's TTL removes any a crash left behind). */
const CHUNK_TTL_SECONDS = 2 * 24 * 3600;

/** The challenges a status read found are too large to keep: the job cannot show them. */
export class ChallengesTooLarge extends Error {
  override readonly name = 'ChallengesTooLarge';
}

/** What the job item holds of its round: which chunk items to read back, and what was asked. */
export interface ChallengesRef {
  readonly round: string;
  readonly chunks: number;
  /** Each challenge by guid and type only (never its text, options or image): what the job's events say of the round. */
  readonly asked?: readonly { readonly guid: string; readonly type: string }[];
}

export function challengeChunkItems(
  job: { readonly memberGuid: string; readonly jobGuid: string },
  challenges: readonly ChallengeResponse[],
  now: Date,
): { ref: ChallengesRef; items: Record<string, unknown>[] } {
  const text = JSON.stringify(challenges);
  if (text.length > MAX_CHALLENGE_ROUND_CHARS)
    throw new ChallengesTooLarge(`the challenges are ${text.length} characters, over ${MAX_CHALLENGE_ROUND_CHARS}`);
  // Rounds sort by time; the suffix tells apart two rounds stored in the same millisecond.
  const round = `${now.getTime().toString().padStart(15, '0')}-${Math.random().toString(36).slice(2, 8)}`;
  const chunks = Math.max(1, Math.ceil(text.length / CHUNK_CHARS));
  const expiresAt = Math.floor(now.getTime() / 1000) + CHUNK_TTL_SECONDS;
  const items = Array.from({ length: chunks }, (_, chunk) => ({
    ...keys.challengeChunk(job.memberGuid, job.jobGuid, round, chunk),
    data: text.slice(chunk * CHUNK_CHARS, (chunk + 1) * CHUNK_CHARS),
    expires_at: expiresAt,
  }));
  const asked = challenges.map((c) => ({ guid: String(c.guid), type: String(c.type) }));
  return { ref: { round, chunks, asked }, items };
}

/** The round whole again from its chunk items (in any order); undefined when one is missing. */
export function challengesFromChunks(
  ref: ChallengesRef,
  items: readonly Record<string, unknown>[],
): ChallengeResponse[] | undefined {
  const ordered = [...items].sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : 1));
  if (ordered.length !== ref.chunks) return undefined;
  return JSON.parse(ordered.map((item) => String(item.data)).join('')) as ChallengeResponse[];
}
