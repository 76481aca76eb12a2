import type { ResultKind } from '#shared/store/keys.js';

/**
 * The fields of each result kind that are encrypted, one by one, before they reach DynamoDB:
 * account and routing numbers (and their Canadian and loan counterparts) and the owners' names,
 * addresses, phones and emails; and users' emails and metadata, members' metadata, and the kept
 * answers that show them. The other fields (guids, types, balances, flags, dates) stay
 * readable: queries filter and page on them. Transactions carry none of these.
 */
export const SENSITIVE_FIELDS = {
  // MX masks an account's number in most answers, but not always; its feed_* copies are the bank's own.
  accounts: ['account_number', 'feed_account_number', 'routing_number', 'feed_routing_number', 'insured_name'],
  account_numbers: [
    'account_number',
    'routing_number',
    'institution_number',
    'transit_number',
    'loan_reference_number',
    'loan_guarantor',
  ],
  account_owners: [
    'owner_name',
    'first_name',
    'last_name',
    'address',
    'city',
    'state',
    'postal_code',
    'country',
    'email',
    'phone',
  ],
  transactions: [],
  // What a caller tells about its users and members, stored for the API to hand back.
  user: ['email', 'metadata'],
  member: ['metadata'],
  // An idempotent route's kept answer, replayed as it was: a member's answer holds its metadata.
  answer: ['response'],
} as const satisfies Record<SealedKind, readonly string[]>;

/** What holds encrypted fields: a kind of result rows, the user and member items, a kept answer. */
export type SealedKind = ResultKind | 'user' | 'member' | 'answer';

/** The owner of a user's own values (its item, a kept answer about it): the user, standing for its member too. */
export const userOwner = (userGuid: string) => ({ userGuid, memberGuid: userGuid });
