import { tanIssuerOf } from '#shared/mx/tokenized-account-numbers.js';
import type * as z from '#shared/runtime/zod.js';
import type { MemberDeleted } from './schemas.js';
import { counted } from './wording.js';

/**
 * What deleting a member that held account numbers tells the caller: the numbers mxflow
 * stored are gone with it, and TANs from a bank that revokes them on disconnection (Chase)
 * stop working for ACH, so copies kept elsewhere must not be used for payments.
 */
export function memberDeletedBody(
  member: { readonly guid: string; readonly is_oauth: boolean; readonly institution_code: string },
  accountNumbers: number,
): Omit<z.input<typeof MemberDeleted>, 'deletion'> {
  const issuer = tanIssuerOf(member);
  const tokenized = issuer ? accountNumbers : 0;
  const deleted = { member_guid: member.guid, account_numbers: accountNumbers, tokenized_account_numbers: tokenized };
  if (accountNumbers === 0) return { deleted, warnings: [] };
  const warnings: z.input<typeof MemberDeleted>['warnings'] = [
    {
      code: 'ACCOUNT_NUMBERS_UNUSABLE',
      message:
        `the ${counted(accountNumbers, 'account number')} stored for this member ${accountNumbers === 1 ? 'was' : 'were'} ` +
        'deleted with it and can no longer be read here; verify a new member to get them again' +
        (issuer && !issuer.revokesOnDisconnect
          ? `. ${issuer.name}'s tokenized account numbers stay valid for ACH after the connection is deleted`
          : ''),
    },
  ];
  if (issuer?.revokesOnDisconnect) {
    warnings.push({
      code: 'TOKENIZED_ACCOUNT_NUMBERS_REVOKED',
      message:
        `${tokenized === 1 ? 'it is a tokenized account number (TAN)' : `${tokenized} of them are tokenized account numbers (TANs)`}` +
        ` from ${issuer.name}, which revokes them when MX's consent ends: ACH payments using them will fail`,
    });
  }
  return { deleted, warnings };
}
