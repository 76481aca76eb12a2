import type {
  ClaimRequest,
  IdempotencyClaim,
  IdempotencyStore,
  StoredResponse,
} from '#shared/store/idempotency-store.js';

interface KeyState {
  readonly requestHash: string;
  response?: StoredResponse;
}

/** IdempotencyStore in memory: a claimed key is in progress until completed (replayed) or released (free). */
export class InMemoryIdempotencyStore implements Pick<IdempotencyStore, keyof IdempotencyStore> {
  readonly keys = new Map<string, KeyState>();

  async claim(request: ClaimRequest): Promise<IdempotencyClaim> {
    const held = this.keys.get(request.keyHash);
    if (!held) {
      this.keys.set(request.keyHash, { requestHash: request.requestHash });
      return { kind: 'claimed' };
    }
    if (held.requestHash !== request.requestHash) return { kind: 'mismatch' };
    return held.response ? { kind: 'replay', response: held.response } : { kind: 'in_progress' };
  }

  async complete(keyHash: string, response: StoredResponse): Promise<void> {
    const held = this.keys.get(keyHash);
    if (held) held.response = response;
  }

  async release(keyHash: string): Promise<void> {
    this.keys.delete(keyHash);
  }
}
