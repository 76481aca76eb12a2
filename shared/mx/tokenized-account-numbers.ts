// mxflow's rule for which account numbers are tokenized (TANs). MX's API has no field that
// says so (AccountNumberResponse carries none); its accounts reference says OAuth connections
// at Chase and U.S. Bank return TANs instead of real account numbers, and nothing else does.

export interface TanIssuer {
  readonly name: string;
  /** Whether the bank revokes its TANs once MX's consent ends (the member is deleted). */
  readonly revokesOnDisconnect: boolean;
}

/** The institutions (by MX code) whose OAuth members get TANs: the one list of this fact. */
const TAN_ISSUERS: Readonly<Record<string, TanIssuer>> = {
  // MX's code for Chase (its Atrium guide's examples): TANs stop working when consent ends.
  chase: { name: 'Chase', revokesOnDisconnect: true },
  // U.S. Bank's TANs stay valid for ACH after the connection is deleted. Code as MX names it:
  // check it against MX's institution search before relying on it in production.
  usbank: { name: 'U.S. Bank', revokesOnDisconnect: false },
  // The MX simulator's Chase-like OAuth test institution, so the rule can be tested locally.
  chase_oauth_test: { name: 'Chase', revokesOnDisconnect: true },
};

/** The bank that tokenizes this member's account numbers, or undefined when they are real ones. */
export function tanIssuerOf(member: {
  readonly is_oauth: boolean;
  readonly institution_code: string;
}): TanIssuer | undefined {
  return member.is_oauth && Object.hasOwn(TAN_ISSUERS, member.institution_code)
    ? TAN_ISSUERS[member.institution_code]
    : undefined;
}

/**
 * Whether this member's account numbers are TANs: valid for ACH only with the routing number returned with them,
 * never to be shown to the end user.
 */
export const hasTokenizedAccountNumbers = (member: {
  readonly is_oauth: boolean;
  readonly institution_code: string;
}): boolean => tanIssuerOf(member) !== undefined;
