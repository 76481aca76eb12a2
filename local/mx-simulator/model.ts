// In-memory records the store keeps. Times are MX epoch milliseconds (see clock.ts).
import type { ChallengeResponse } from 'mx-platform-node';
import type { Institution } from './institutions.js';
import type { AccountSet, ChallengeRoundTypes, EndStatus, LoginScenario } from './test-logins.js';

export interface UserRecord {
  guid: string;
  id: string | null;
  email: string | null;
  metadata: string | null;
  isDisabled: boolean;
}

/** `history`: extended transaction history (extend_history), an aggregation of up to 24 months. */
export type JobType = 'aggregate' | 'verify' | 'identify' | 'history';

export type JobStep = { kind: 'mfa'; type: ChallengeRoundTypes } | { kind: 'account_selection' };

export interface ActiveChallenge {
  guid: string;
  view: ChallengeResponse;
  /** Values that pass this challenge. */
  accepted: string[];
  /** Account selection only: the account each option's (opaque) value stands for. */
  accountByValue: Record<string, string> | null;
}

/** The challenges asked together; one resume answers them all. */
interface ChallengeRound {
  issuedAt: number;
  challenges: ActiveChallenge[];
}

export interface Job {
  guid: string;
  type: JobType;
  startedAt: number;
  scenario: LoginScenario;
  /** Challenge rounds, in order; nextStep indexes the next one not yet issued. */
  steps: JobStep[];
  nextStep: number;
  /** End status once the steps are done (REJECTED after a wrong answer). */
  outcome: EndStatus;
  /** A job runs in segments: from its start, then from each answer. */
  segmentStartedAt: number;
  /** connection_status shown while the current segment runs (CREATED, RESUMED, ...). */
  segmentStatus: string;
  challengesIssued: number;
  /** The open round while CHALLENGED. */
  challenge: ChallengeRound | null;
  /**
   * Wrong MFA answers re-asked so far (the login's `reasks` is the limit), and whether the next round is such a
   * re-ask.
   */
  reasked?: number;
  reasking?: boolean;
  includeTransactions: boolean;
  selectedAccountGuid: string | null;
  endedAt: number | null;
  endStatus: EndStatus | null;
  /** Started by MX itself (background aggregation), not by a request. */
  background?: boolean;
  /** Transactions this job created (its member_data_updated webhook says how many); set when it connects. */
  transactionsCreated?: number;
  /** Transactions this job posted that were pending (its member_data_updated webhook says how many). */
  transactionsUpdated?: number;
}

export interface MemberRecord {
  guid: string;
  userGuid: string;
  id: string | null;
  metadata: string | null;
  institution: Institution;
  institutionGuid: string;
  isOauth: boolean;
  /** Credential values by credential guid (never echoed back). */
  credentials: Record<string, string>;
  username: string;
  password: string;
  backgroundAggregationIsDisabled: boolean;
  createdAt: number;
  /** connection_status when no job is running; null never happens for these members. */
  status: string;
  aggregatedAt: number | null;
  successfullyAggregatedAt: number | null;
  /** When an aggregation last ended CONNECTED: MX's throttle window counts from it. */
  aggregationSucceededAt?: number | null;
  isAuthenticated: boolean;
  processed: { accounts: boolean; accountNumbers: boolean; transactions: boolean };
  job: Job | null;
  /** Which accounts the connection yields; fixed by the login of the latest successful job. */
  accountSet: AccountSet;
  /** MX time accounts became visible (first CONNECTED end), null before. */
  accountsVisibleAt: number | null;
  verifiedAccountGuids: Set<string>;
  ownersVisible: boolean;
  oauth: OAuthState | null;
  /** The account set whose transactions an aggregation already gathered (later runs create none). */
  transactionsAggregatedFor?: AccountSet;
  /** MX times the member's aggregations gathered transactions (see transaction-timeline.ts), ascending. */
  transactionGatherings: number[];
  /** MX time an extend_history job first ended CONNECTED: the older transactions exist from then. */
  historyExtendedAt: number | null;
  /** Accounts closed at the bank, by guid: MX stops returning one at the member's next successful job. */
  closedAccounts: Map<string, number>;
  /**
   * The last X-CALLBACK-PAYLOAD of a create, update, aggregate or verify call of this member: MX returns it in the
   * MEMBER and member_data_updated webhooks.
   */
  callbackPayload?: string;
}

interface OAuthState {
  /** One-time token in the current oauth_window_uri. */
  token: string;
  /** How many window URIs were issued (each gets a fresh token). */
  issued: number;
  /** MX time the current token was issued: it stops working oauthWindowTtlMs later. */
  issuedAt: number;
  state: 'pending' | 'completed' | 'denied';
  skipAggregation: boolean;
  /** Where the OAuth page redirects the browser when done (client_redirect_url). */
  clientRedirectUrl: string | null;
  /** How the latest window was asked for (referral_source, ui_message_webview_url_scheme, enable_app2app). */
  referralSource: 'BROWSER' | 'APP';
  uiMessageWebviewUrlScheme: string | null;
  enableApp2app: boolean;
}
