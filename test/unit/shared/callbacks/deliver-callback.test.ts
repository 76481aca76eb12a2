import { describe, expect, it } from 'vitest';
import {
  CALLBACK_HEADERS,
  CALLBACK_TOLERANCE_SECONDS,
  signCallback,
  verifyCallbackSignature,
} from '#shared/callbacks/callback-signature.js';
import { type BusEvent, CallbackRefused, deliverCallback } from '#shared/callbacks/deliver-callback.js';

const NOW = new Date('2026-12-05T12:00:00.000Z');
const event: BusEvent = {
  id: 'evt-1',
  source: 'mxflow',
  'detail-type': 'Job Status Changed',
  time: NOW.toISOString(),
  detail: { job_guid: 'JOB-1', status: 'RUNNING' },
};

/** A fetch that records the request and answers `status` (or fails like a lost connection). */
function receiver(status: number | 'network') {
  const requests: { url: string; headers: Record<string, string>; body: string; redirect?: string }[] = [];
  const fetcher = (async (url: string, init: RequestInit) => {
    requests.push({
      url,
      headers: init.headers as Record<string, string>,
      body: String(init.body),
      ...(init.redirect ? { redirect: init.redirect } : {}),
    });
    if (status === 'network') throw new TypeError('fetch failed');
    return new Response(null, { status });
  }) as unknown as typeof fetch;
  return { requests, fetcher };
}

const deps = (fetcher: typeof fetch) => ({
  url: 'https://fintech.example/hooks',
  signingSecret: async () => 'key',
  fetch: fetcher,
  now: () => NOW,
  timeoutMs: 1_000,
});

describe('deliverCallback', () => {
  it('POSTs the event signed over the timestamp and the exact body, with its id as the delivery id', async () => {
    const { requests, fetcher } = receiver(204);

    await deliverCallback(deps(fetcher), event);

    const [sent] = requests;
    const timestamp = NOW.getTime() / 1000;
    expect(sent?.headers[CALLBACK_HEADERS.signature]).toBe(signCallback('key', timestamp, String(sent?.body)));
    expect(sent?.headers[CALLBACK_HEADERS.deliveryId]).toBe('evt-1');
    // A redirect would take the signed body elsewhere: it is an answer to fail on, not to follow.
    expect(sent?.redirect).toBe('manual');
    expect(JSON.parse(String(sent?.body))).toEqual({
      id: 'evt-1',
      type: 'Job Status Changed',
      time: NOW.toISOString(),
      detail: event.detail,
    });
    expect(verifyCallbackSignature('key', sent?.headers[CALLBACK_HEADERS.signature], String(sent?.body), NOW)).toBe(
      true,
    );
  });

  it('fails on any answer but a 2xx, and on no answer, so the delivery is tried again', async () => {
    for (const status of [301, 400, 500, 503, 'network'] as const) {
      await expect(deliverCallback(deps(receiver(status).fetcher), event)).rejects.toBeInstanceOf(CallbackRefused);
    }
  });
});

describe('verifyCallbackSignature', () => {
  it('refuses a timestamp outside the tolerance and a header that is not a signature', () => {
    const timestamp = NOW.getTime() / 1000;
    const late = new Date(NOW.getTime() + (CALLBACK_TOLERANCE_SECONDS + 1) * 1000);

    expect(verifyCallbackSignature('key', signCallback('key', timestamp, 'b'), 'b', late)).toBe(false);
    expect(verifyCallbackSignature('key', 'v1=abc', 'b', NOW)).toBe(false);
    expect(verifyCallbackSignature('key', undefined, 'b', NOW)).toBe(false);
    expect(verifyCallbackSignature('key', `t=${timestamp},v1=zz`, 'b', NOW)).toBe(false);
  });
});
