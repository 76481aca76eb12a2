import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers of a signed callback. */
export const CALLBACK_HEADERS = {
  /** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` */
  signature: 'Mxflow-Signature',
  /** The event's id: the same on every retry of one event, so a receiver can drop repeats. */
  deliveryId: 'Mxflow-Delivery-Id',
  eventType: 'Mxflow-Event-Type',
} as const;

/** How old a signed timestamp a receiver should still take: older ones may be replays. */
export const CALLBACK_TOLERANCE_SECONDS = 300;

const hmac = (secret: string, timestamp: number, body: string) =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');

/** The signature header of `body` sent at `timestamp` (unix seconds). */
export function signCallback(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/**
 * Whether a received callback is mxflow's: the signature of its exact body and timestamp, the
 * timestamp within the tolerance of `now`. What the README's receiver snippet does.
 */
export function verifyCallbackSignature(
  secret: string,
  header: string | undefined,
  body: string,
  now: Date,
  toleranceSeconds = CALLBACK_TOLERANCE_SECONDS,
): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((part) => part.trim().split('=', 2)));
  const timestamp = Number(parts.t);
  const given = Buffer.from(String(parts.v1 ?? ''), 'hex');
  if (!Number.isInteger(timestamp) || Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, timestamp, body), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
