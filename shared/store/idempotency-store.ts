import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { FieldCipherUse } from '#shared/crypto/field-cipher.js';
import { userOwner } from '#shared/crypto/sensitive-fields.js';
import { keys } from './keys.js';
import { openRecord, sealRecord } from './sealed-record.js';

/** The answer kept for a key: never a request body (member bodies hold bank credentials). */
export interface StoredResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

export type IdempotencyClaim =
  /** This request holds the key: run it, then complete or release. */
  | { readonly kind: 'claimed' }
  /** A request with this key already succeeded: answer what it answered. */
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  /** The key was used with another body. */
  | { readonly kind: 'mismatch' }
  /** A request with this key is still running. */
  | { readonly kind: 'in_progress' };

export interface ClaimRequest {
  /** SHA-256 of the key with its route and parameters: the raw key may carry data. */
  readonly keyHash: string;
  /** SHA-256 of the request body. */
  readonly requestHash: string;
  readonly now: Date;
  /** How long a completed key replays (the item's TTL). */
  readonly ttlSeconds: number;
  /** How long a claim counts as in flight: past the API's own time limit, so a crashed request frees its key. */
  readonly leaseSeconds: number;
}

/**
 * Idempotency keys of the API's retry-safe routes. A conditional put claims a key, so two
 * concurrent requests with one key cannot both run; a success is kept for `ttlSeconds`.
 *
 * With `fields` that seal, a kept answer about a user is encrypted whole (SENSITIVE_FIELDS.answer),
 * bound to that user, and opened on replay: the members API's answers show a member's metadata.
 * Sealed rather than re-read on replay, so a replay stays what the first request answered; the
 * jobs API, whose answers hold guids and statuses only, keeps them readable.
 */
export class IdempotencyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly fields: FieldCipherUse = {},
  ) {}

  async claim(request: ClaimRequest): Promise<IdempotencyClaim> {
    const nowSeconds = Math.floor(request.now.getTime() / 1000);
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.idempotencyKey(request.keyHash),
            request_hash: request.requestHash,
            state: 'IN_PROGRESS',
            lease_expires_at: nowSeconds + request.leaseSeconds,
            expires_at: nowSeconds + request.ttlSeconds,
          },
          // Free, expired (TTL deletion lags), or an in-flight claim whose request died.
          ConditionExpression:
            'attribute_not_exists(pk) OR expires_at < :now OR (#state = :inProgress AND lease_expires_at < :now)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':now': nowSeconds, ':inProgress': 'IN_PROGRESS' },
        }),
      );
      return { kind: 'claimed' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.idempotencyKey(request.keyHash), ConsistentRead: true }),
    );
    // Released between the put and the read: the caller may try again; answer in flight.
    if (!Item) return { kind: 'in_progress' };
    if (Item.request_hash !== request.requestHash) return { kind: 'mismatch' };
    if (Item.state !== 'COMPLETED') return { kind: 'in_progress' };
    const kept =
      Item.response instanceof Uint8Array
        ? await this.openAnswer(String(Item.user_guid), Item.response)
        : Item.response;
    return { kind: 'replay', response: JSON.parse(String(kept)) as StoredResponse };
  }

  /**
   * Keeps the answer of the request that held the key; later requests replay it. An answer about
   * a user is also named under that user (same lifetime), so deleting the user finds and purges it.
   */
  async complete(
    keyHash: string,
    response: StoredResponse,
    owner?: { readonly userGuid?: string | undefined; readonly expiresAt: number },
  ): Promise<void> {
    if (owner?.userGuid !== undefined) {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.userIdempotencyKey(owner.userGuid, keyHash), key_hash: keyHash, expires_at: owner.expiresAt },
        }),
      );
    }
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.idempotencyKey(keyHash),
        UpdateExpression: 'SET #state = :completed, #response = :response, user_guid = :user REMOVE lease_expires_at',
        ExpressionAttributeNames: { '#state': 'state', '#response': 'response' },
        // As JSON text: the answer comes back byte for byte, whatever DynamoDB makes of its types.
        ExpressionAttributeValues: {
          ':completed': 'COMPLETED',
          ':response': await this.keptAnswer(JSON.stringify(response), owner?.userGuid),
          ':user': owner?.userGuid ?? null,
        },
      }),
    );
  }

  /** The answer as kept: sealed for its user when this store seals, else its JSON text. */
  private async keptAnswer(json: string, userGuid: string | undefined): Promise<string | Uint8Array> {
    if (!this.fields.seal || userGuid === undefined) return json;
    return (await sealRecord(this.fields, userOwner(userGuid), 'answer', { response: json })).response;
  }

  /** A sealed answer, opened for the user it was sealed for (kept beside it). */
  private async openAnswer(userGuid: string, sealed: Uint8Array): Promise<string> {
    const opened = await openRecord(this.fields, userOwner(userGuid), 'answer', { response: sealed as unknown });
    if (typeof opened.response !== 'string') throw new Error('this function may not decrypt a sealed kept answer');
    return opened.response;
  }

  /** Frees a key whose request failed, so the caller's retry with it runs again. */
  async release(keyHash: string): Promise<void> {
    await this.doc
      .send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.idempotencyKey(keyHash),
          ConditionExpression: '#state = :inProgress',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':inProgress': 'IN_PROGRESS' },
        }),
      )
      .catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
  }
}
