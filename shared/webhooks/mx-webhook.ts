import * as z from '#shared/runtime/zod.js';

const guid = z.string().check(z.minLength(1), z.maxLength(100));

/**
 * MX's CONNECTION_STATUS webhook: sent when a member enters a status its end user must act on
 * (CHALLENGED, DENIED, EXPIRED, IMPAIRED, IMPEDED, LOCKED, PREVENTED, REJECTED), never CONNECTED.
 */
const ConnectionStatusWebhook = z.looseObject({
  type: z.literal('CONNECTION_STATUS'),
  action: z.string(),
  connection_status: z.string(),
  member_guid: guid,
  user_guid: guid,
});

const MEMBER_DATA_TYPES = ['AGGREGATION', 'VERIFICATION', 'HISTORY', 'STATEMENT', 'BALANCE', 'REWARD'] as const;

/** AGGREGATION, VERIFICATION, HISTORY … `member_data_updated`: a job on the member finished, background ones too. */
const MemberDataUpdatedWebhook = z.looseObject({
  type: z.enum(MEMBER_DATA_TYPES),
  action: z.string(),
  member_guid: guid,
  user_guid: guid,
  is_background: z.optional(z.nullable(z.boolean())),
  callback_payload: z.optional(z.nullable(z.string())),
});

/** MEMBER created / updated / deleted, its fields under `member`. */
const MemberWebhook = z.looseObject({
  type: z.literal('MEMBER'),
  action: z.string(),
  member: z.looseObject({
    guid: guid,
    user_guid: guid,
    connection_status: z.optional(z.nullable(z.string())),
    is_being_aggregated: z.optional(z.nullable(z.boolean())),
  }),
  callback_payload: z.optional(z.nullable(z.string())),
});

/**
 * A webhook MX posts, of the types mxflow subscribes to. Loose: MX adds fields without notice,
 * and a receiver must not refuse a delivery for a field it does not know.
 */
export const MxWebhook = z.discriminatedUnion('type', [
  ConnectionStatusWebhook,
  MemberDataUpdatedWebhook,
  MemberWebhook,
]);
export type MxWebhook = z.output<typeof MxWebhook>;

const HANDLED_TYPES: readonly string[] = ['CONNECTION_STATUS', ...MEMBER_DATA_TYPES, 'MEMBER'];

/**
 * Whether a delivery is of a type mxflow does not act on (one MX added, or subscribed by
 * mistake in its dashboard): answered 204 and dropped, since a 4xx would have MX retry it for a day.
 */
export function isUnhandledWebhookType(body: unknown): boolean {
  const type = (body as { type?: unknown } | null)?.type;
  return typeof type === 'string' && type !== '' && !HANDLED_TYPES.includes(type);
}

/** The member a webhook is about. */
export function memberOfWebhook(webhook: MxWebhook): { userGuid: string; memberGuid: string } {
  return webhook.type === 'MEMBER'
    ? { userGuid: webhook.member.user_guid, memberGuid: webhook.member.guid }
    : { userGuid: webhook.user_guid, memberGuid: webhook.member_guid };
}
