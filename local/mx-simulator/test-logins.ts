// The test-login table: the single source of truth for how a credential pair behaves at the
// simulated institutions (MX publishes only part of its integration-environment table; the
// rest is defined here so every connection_status end state is reachable on purpose).

/** End states of an aggregation-type job (mx-facts.md). */
export const END_STATUSES = [
  'CONNECTED',
  'DENIED',
  'PREVENTED',
  'REJECTED',
  'LOCKED',
  'IMPEDED',
  'IMPAIRED',
  'EXPIRED',
  'IMPORTED',
  'DISABLED',
  'DISCONTINUED',
  'CLOSED',
  'DEGRADED',
  'DISCONNECTED',
  'FAILED',
] as const;
export type EndStatus = (typeof END_STATUSES)[number];

/** `IMAGE_DATA_LARGE`: an IMAGE_DATA challenge whose image is about 600 KB of base64, past DynamoDB's item limit. */
export type ChallengeType = 'TEXT' | 'OPTIONS' | 'TOKEN' | 'IMAGE_DATA' | 'IMAGE_DATA_LARGE' | 'IMAGE_OPTIONS';

/** The challenge type MX shows for a login's challenge (a large image is still IMAGE_DATA). */
export const shownChallengeType = (type: ChallengeType): Exclude<ChallengeType, 'IMAGE_DATA_LARGE'> =>
  type === 'IMAGE_DATA_LARGE' ? 'IMAGE_DATA' : type;

/** Which accounts a successful connection produces (see account-data.ts). */
export type AccountSet = 'default' | 'all_types' | 'no_eligible' | 'unvalidated_numbers' | 'no_numbers';

/** One MFA round: a single challenge, or several asked together (answered in one resume). */
export type ChallengeRoundTypes = ChallengeType | readonly ChallengeType[];

export interface LoginScenario {
  /** MFA rounds, in order, before the login is authenticated. Each is answered with `correct`. */
  challenges: ChallengeRoundTypes[];
  /** How many wrong MFA answers the bank answers with a fresh challenge instead of REJECTED. */
  reasks: number;
  /** How the job ends once every challenge was answered correctly. */
  outcome: EndStatus;
  accounts: AccountSet;
  /** In progress as DELAYED (and three times as long) before ending. */
  delayed: boolean;
  /** Whether the credentials count as authenticated (is_authenticated) in this scenario. */
  authenticates: boolean;
}

export interface TestLogin extends LoginScenario {
  password: string;
  description: string;
}

/** Usernames that log in; any other username is DENIED. */
const TEST_USERNAMES = ['mxuser', 'test_atrium'] as const;

/** The answer that passes any MFA challenge (for option types: the option whose value it is). */
export const CORRECT_ANSWER = 'correct';

const base: LoginScenario = {
  challenges: [],
  reasks: 0,
  outcome: 'CONNECTED',
  accounts: 'default',
  delayed: false,
  authenticates: true,
};

function login(password: string, description: string, scenario: Partial<LoginScenario>): TestLogin {
  return { ...base, ...scenario, password, description };
}

const fails = (outcome: EndStatus, authenticates: boolean) => ({ outcome, authenticates });

export const TEST_LOGINS: readonly TestLogin[] = [
  login('challenge', 'TEXT challenge, then CONNECTED', { challenges: ['TEXT'] }),
  login('options', 'OPTIONS challenge, then CONNECTED', { challenges: ['OPTIONS'] }),
  login('image', 'IMAGE_DATA challenge, then CONNECTED', { challenges: ['IMAGE_DATA'] }),
  login('image_options', 'IMAGE_OPTIONS challenge, then CONNECTED', { challenges: ['IMAGE_OPTIONS'] }),
  login('big_image', 'IMAGE_DATA challenge with a 600 KB image, then CONNECTED', { challenges: ['IMAGE_DATA_LARGE'] }),
  login('token', 'TOKEN challenge, then CONNECTED', { challenges: ['TOKEN'] }),
  login('challenge_twice', 'TEXT challenge, then OPTIONS challenge, then CONNECTED', {
    challenges: ['TEXT', 'OPTIONS'],
  }),
  login('challenge_round', 'one round of a TEXT and an OPTIONS challenge, answered together, then CONNECTED', {
    challenges: [['TEXT', 'OPTIONS']],
  }),
  login(
    'retry_challenge',
    'TEXT challenge; a wrong answer brings a fresh TEXT challenge once, a second wrong answer REJECTED',
    {
      challenges: ['TEXT'],
      reasks: 1,
    },
  ),
  login('delayed', 'DELAYED while in progress (3× job duration), then CONNECTED', { delayed: true }),
  login('all_account_types', 'CONNECTED with one account of every account type', { accounts: 'all_types' }),
  login('no_eligible_accounts', 'CONNECTED with only CREDIT_CARD and LOAN accounts (verify ends IMPEDED)', {
    accounts: 'no_eligible',
  }),
  login('unvalidated_numbers', "CONNECTED; a verification's account numbers have `passed_validation: false`", {
    accounts: 'unvalidated_numbers',
  }),
  login('no_account_numbers', 'CONNECTED; a verification ends CONNECTED with no account numbers', {
    accounts: 'no_numbers',
  }),
  login('BAD_REQUEST', 'FAILED (MX integration behaviour)', fails('FAILED', false)),
  login('failed', 'FAILED', fails('FAILED', false)),
  login('denied', 'DENIED (invalid credentials)', fails('DENIED', false)),
  login('prevented', 'PREVENTED (too many failed logins)', fails('PREVENTED', false)),
  login('rejected', 'REJECTED (as after a wrong MFA answer)', fails('REJECTED', false)),
  login('locked', 'LOCKED', fails('LOCKED', false)),
  login('impeded', 'IMPEDED (user must act at the institution)', fails('IMPEDED', true)),
  login('impaired', 'IMPAIRED', fails('IMPAIRED', true)),
  login('expired', 'EXPIRED (as after an unanswered MFA challenge)', fails('EXPIRED', false)),
  login('imported', 'IMPORTED', fails('IMPORTED', false)),
  login('disabled', 'DISABLED', fails('DISABLED', false)),
  login('discontinued', 'DISCONTINUED', fails('DISCONTINUED', false)),
  login('closed', 'CLOSED', fails('CLOSED', true)),
  login('degraded', 'DEGRADED (try again later)', fails('DEGRADED', true)),
  login('disconnected', 'DISCONNECTED (try again later)', fails('DISCONNECTED', false)),
];

/** Any password not listed: CONNECTED with the default accounts. */
export const DEFAULT_SCENARIO: LoginScenario = base;

/** A username other than the test usernames. */
const UNKNOWN_USER_SCENARIO: LoginScenario = { ...base, ...fails('DENIED', false) };

export function resolveTestLogin(username: string, password: string): LoginScenario {
  if (!(TEST_USERNAMES as readonly string[]).includes(username)) return UNKNOWN_USER_SCENARIO;
  const found = TEST_LOGINS.find((l) => l.password === password);
  if (!found) return DEFAULT_SCENARIO;
  const { password: _p, description: _d, ...scenario } = found;
  return scenario;
}

/** Markdown table of the logins, used to keep README.md in sync (see the test). */
export function testLoginTableMarkdown(): string {
  const rows = TEST_LOGINS.map((l) => `| \`${l.password}\` | ${l.description} |`);
  return [
    '| password (username `mxuser`) | behaviour |',
    '|---|---|',
    '| any other password | CONNECTED |',
    ...rows,
  ].join('\n');
}
