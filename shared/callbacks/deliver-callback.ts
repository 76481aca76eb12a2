import { CALLBACK_HEADERS, signCallback } from './callback-signature.js';

/** An event as an EventBridge rule delivers it to its target. */
export interface BusEvent {
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly detail: unknown;
}

export interface CallbackDeps {
  readonly url: string;
  signingSecret(): Promise<string>;
  readonly fetch: typeof fetch;
  now(): Date;
  /** Each attempt's time limit, ms. */
  readonly timeoutMs: number;
}

/** A callback the receiver did not take: the invocation fails, and Lambda retries it, then dead-letters it. */
export class CallbackRefused extends Error {
  override readonly name = 'CallbackRefused';
}

/**
 * POSTs one event to the fintech's URL, signed: HMAC-SHA256 of `<timestamp>.<body>` with the
 * callback secret, the event's `event_id` as the delivery id. Anything but a 2xx (or no answer in time)
 * throws, so the delivery is tried again.
 */
export async function deliverCallback(deps: CallbackDeps, event: BusEvent): Promise<number> {
  // The event's own id (the same on every copy of it), else EventBridge's.
  const id = String((event.detail as { event_id?: unknown } | null)?.event_id ?? event.id);
  const body = JSON.stringify({
    id,
    type: event['detail-type'],
    time: event.time,
    detail: event.detail,
  });
  const timestamp = Math.floor(deps.now().getTime() / 1000);
  const signature = signCallback(await deps.signingSecret(), timestamp, body);
  let status: number;
  try {
    const answer = await deps.fetch(deps.url, {
      method: 'POST',
      // A redirect is refused, not followed: the signed body goes to the URL set at deploy only.
      redirect: 'manual',
      headers: {
        'Content-Type': 'application/json',
        [CALLBACK_HEADERS.signature]: signature,
        [CALLBACK_HEADERS.deliveryId]: id,
        [CALLBACK_HEADERS.eventType]: event['detail-type'],
      },
      body,
      signal: AbortSignal.timeout(deps.timeoutMs),
    });
    await answer.arrayBuffer().catch(() => undefined);
    status = answer.status;
  } catch (error) {
    throw new CallbackRefused(`the callback URL did not answer: ${(error as Error).name}`);
  }
  if (status < 200 || status >= 300) throw new CallbackRefused(`the callback URL answered ${status}`);
  return status;
}
