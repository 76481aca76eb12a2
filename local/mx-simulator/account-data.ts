// Pure, seeded generation of what a connection yields besides transactions: the accounts of
// a member (by account set), their balances, account numbers (real or tokenized) and owners.
import type { AccountNumberResponse, AccountOwnerResponse, AccountResponse } from 'mx-platform-node';
import { hashKey, mulberry32, mxGuid } from './random.js';
import { abaRoutingNumberFrom } from './routing-number.js';
import type { AccountSet } from './test-logins.js';

interface AccountTemplate {
  type: string;
  subtype: string | null;
  label: string;
  /** A joint account: identification lists two owners for it. */
  joint?: true;
}

const ACCOUNT_SETS: Record<AccountSet, AccountTemplate[]> = {
  default: [
    { type: 'CHECKING', subtype: null, label: 'Checking' },
    { type: 'SAVINGS', subtype: null, label: 'Savings' },
    { type: 'CREDIT_CARD', subtype: null, label: 'Credit Card' },
  ],
  // One account per account type of MX's accounts reference (ANY, "not provided", excluded).
  all_types: [
    { type: 'CHECKING', subtype: null, label: 'Joint Checking', joint: true },
    { type: 'SAVINGS', subtype: 'MONEY_MARKET', label: 'Money Market Savings' },
    { type: 'LOAN', subtype: null, label: 'Auto Loan' },
    { type: 'CREDIT_CARD', subtype: null, label: 'Credit Card' },
    { type: 'INVESTMENT', subtype: 'PLAN_401_K', label: '401(k)' },
    { type: 'LINE_OF_CREDIT', subtype: 'HOME_EQUITY', label: 'Home Equity Line' },
    { type: 'MORTGAGE', subtype: null, label: 'Mortgage' },
    { type: 'PROPERTY', subtype: null, label: 'Home' },
    { type: 'CASH', subtype: null, label: 'Cash' },
    { type: 'INSURANCE', subtype: null, label: 'Life Insurance' },
    { type: 'PREPAID', subtype: null, label: 'Prepaid Card' },
    { type: 'CHECKING_LINE_OF_CREDIT', subtype: null, label: 'Overdraft Line' },
  ],
  no_eligible: [
    { type: 'CREDIT_CARD', subtype: null, label: 'Credit Card' },
    { type: 'LOAN', subtype: null, label: 'Personal Loan' },
  ],
  unvalidated_numbers: [
    { type: 'CHECKING', subtype: null, label: 'Checking' },
    { type: 'SAVINGS', subtype: null, label: 'Savings' },
    { type: 'CREDIT_CARD', subtype: null, label: 'Credit Card' },
  ],
  no_numbers: [
    { type: 'CHECKING', subtype: null, label: 'Checking' },
    { type: 'SAVINGS', subtype: null, label: 'Savings' },
    { type: 'CREDIT_CARD', subtype: null, label: 'Credit Card' },
  ],
};

/** Account types that instant account verification can return numbers for. */
export const VERIFIABLE_TYPES: readonly string[] = ['CHECKING', 'SAVINGS'];

/**
 * Tokenized account numbers (OAuth members at institutions that issue TANs) are 17 digits starting with this
 * prefix.
 */
export const TAN_PREFIX = '9990';

/**
 * What a verification of the set's accounts yields: numbers that pass MX's checks, numbers
 * that fail them (`passed_validation: false`), or none at all (the job still ends CONNECTED).
 */
type AccountNumbersOutcome = 'valid' | 'unvalidated' | 'none';
const NUMBERS_OF_SET: Record<AccountSet, AccountNumbersOutcome> = {
  default: 'valid',
  all_types: 'valid',
  no_eligible: 'valid',
  unvalidated_numbers: 'unvalidated',
  no_numbers: 'none',
};

export interface GeneratedAccount {
  guid: string;
  index: number;
  type: string;
  subtype: string | null;
  name: string;
  /** The real (untokenized) account number: 10 digits, never starting with 9. */
  accountNumber: string;
  /** Tokenized account number handed out instead of accountNumber to OAuth members at a TAN-issuing institution. */
  tokenizedNumber: string;
  routingNumber: string;
  memberGuid: string;
  userGuid: string;
  /** Owned by two people (identification lists both). */
  joint: boolean;
  numbers: AccountNumbersOutcome;
}

export interface AccountContext {
  seed: string;
  memberGuid: string;
  userGuid: string;
  institutionCode: string;
  institutionName: string;
  accountSet: AccountSet;
}

export const cents = (n: number) => Math.round(n * 100) / 100;

function digits(seed: number, count: number): string {
  const rnd = mulberry32(seed);
  let out = '';
  for (let i = 0; i < count; i++) out += Math.floor(rnd() * 10).toString();
  return out;
}

/** Every account of an institution shares one valid ABA routing number. */
export function routingNumberFor(seed: string, institutionCode: string): string {
  const h = hashKey(seed, 'routing', institutionCode);
  const district = String((h % 12) + 1).padStart(2, '0'); // Federal Reserve districts 01–12
  return abaRoutingNumberFrom(district + digits(h, 6));
}

export function generateAccounts(ctx: AccountContext): GeneratedAccount[] {
  const routingNumber = routingNumberFor(ctx.seed, ctx.institutionCode);
  return ACCOUNT_SETS[ctx.accountSet].map((t, index) => {
    const h = hashKey(ctx.seed, 'account', ctx.memberGuid, index);
    return {
      guid: mxGuid('ACT', ctx.seed, 'account', ctx.memberGuid, index),
      index,
      type: t.type,
      subtype: t.subtype,
      name: `${ctx.institutionName} ${t.label}`,
      accountNumber: String((h % 8) + 1) + digits(h, 9),
      tokenizedNumber: TAN_PREFIX + digits(h ^ 0x5a5a5a5a, 13),
      routingNumber,
      memberGuid: ctx.memberGuid,
      userGuid: ctx.userGuid,
      joint: t.joint === true,
      numbers: NUMBERS_OF_SET[ctx.accountSet],
    };
  });
}

export function maskedAccountNumber(account: GeneratedAccount): string {
  return `XXXXXX${account.accountNumber.slice(-4)}`;
}

export interface AccountViewContext {
  seed: string;
  institutionCode: string;
  institutionGuid: string;
  memberId: string | null;
  userId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The AccountResponse for a generated account; balances depend on the account type. */
export function accountView(acc: GeneratedAccount, ctx: AccountViewContext): AccountResponse {
  const rnd = mulberry32(hashKey(ctx.seed, 'balances', acc.guid));
  const amount = (min: number, max: number) => cents(min + rnd() * (max - min));
  const view: AccountResponse = {
    account_number: maskedAccountNumber(acc),
    apr: null,
    apy: null,
    available_balance: null,
    available_credit: null,
    balance: null,
    cash_balance: null,
    created_at: ctx.createdAt,
    credit_limit: null,
    currency_code: 'USD',
    day_payment_is_due: null,
    guid: acc.guid,
    holdings_value: null,
    id: null,
    imported_at: null,
    institution_code: ctx.institutionCode,
    institution_guid: ctx.institutionGuid,
    interest_rate: null,
    is_closed: false,
    is_hidden: false,
    is_manual: false,
    matures_on: null,
    member_guid: acc.memberGuid,
    member_id: ctx.memberId,
    member_is_managed_by_user: false,
    metadata: null,
    minimum_balance: null,
    minimum_payment: null,
    name: acc.name,
    nickname: null,
    original_balance: null,
    payment_due_at: null,
    property_type: null,
    routing_number: null,
    started_on: null,
    subtype: acc.subtype,
    total_account_value: null,
    type: acc.type,
    updated_at: ctx.updatedAt,
    user_guid: acc.userGuid,
    user_id: ctx.userId,
  };
  switch (acc.type) {
    case 'CHECKING':
    case 'CASH':
    case 'PREPAID': {
      const balance = amount(200, 5500);
      return { ...view, balance, available_balance: balance };
    }
    case 'SAVINGS': {
      const balance = amount(1000, 25000);
      return { ...view, balance, available_balance: balance, apy: cents(0.5 + rnd() * 4) };
    }
    case 'CREDIT_CARD':
    case 'LINE_OF_CREDIT':
    case 'CHECKING_LINE_OF_CREDIT': {
      const limit = acc.type === 'LINE_OF_CREDIT' ? 50000 : 5000;
      const balance = amount(100, limit * 0.6);
      return {
        ...view,
        balance,
        credit_limit: limit,
        available_credit: cents(limit - balance),
        apr: cents(12 + rnd() * 14),
        minimum_payment: cents(Math.max(25, balance * 0.02)),
        day_payment_is_due: 1 + Math.floor(rnd() * 28),
      };
    }
    case 'LOAN':
    case 'MORTGAGE': {
      const original = acc.type === 'MORTGAGE' ? amount(150000, 600000) : amount(8000, 40000);
      const balance = cents(original * (0.3 + rnd() * 0.6));
      return {
        ...view,
        balance,
        original_balance: original,
        interest_rate: cents(3 + rnd() * 5),
        minimum_payment: cents(original / (acc.type === 'MORTGAGE' ? 180 : 60)),
        day_payment_is_due: 1 + Math.floor(rnd() * 28),
        matures_on: `${2030 + Math.floor(rnd() * 20)}-06-01`,
      };
    }
    case 'INVESTMENT': {
      const holdings = amount(10000, 200000);
      const cash = amount(100, 5000);
      return {
        ...view,
        balance: cents(holdings + cash),
        holdings_value: holdings,
        cash_balance: cash,
        total_account_value: cents(holdings + cash),
      };
    }
    case 'PROPERTY':
      return { ...view, balance: amount(200000, 900000), property_type: 'REAL_ESTATE' };
    case 'INSURANCE':
      return {
        ...view,
        balance: amount(1000, 50000),
        insured_name: 'Pat Sample',
        pay_out_amount: 250000,
        premium_amount: amount(20, 120),
      };
    default:
      return { ...view, balance: amount(100, 1000) };
  }
}

export function accountNumberView(acc: GeneratedAccount, seed: string, tokenized: boolean): AccountNumberResponse {
  return {
    account_guid: acc.guid,
    account_number: tokenized ? acc.tokenizedNumber : acc.accountNumber,
    guid: mxGuid('ACN', seed, 'account_number', acc.guid),
    institution_number: null,
    loan_guarantor: null,
    loan_reference_number: null,
    member_guid: acc.memberGuid,
    passed_validation: acc.numbers !== 'unvalidated',
    routing_number: acc.routingNumber,
    sequence_number: null,
    transit_number: null,
    user_guid: acc.userGuid,
  };
}

const OWNERS = [
  { name: 'Pat Sample', street: '3401 N Thanksgiving Way', city: 'Lehi', state: 'UT', postal: '84043' },
  { name: 'Jordan Testperson', street: '125 Main Street', city: 'Provo', state: 'UT', postal: '84601' },
  { name: 'Casey Example', street: '77 Harbor Drive', city: 'San Diego', state: 'CA', postal: '92101' },
  { name: 'Morgan Placeholder', street: '9 Elm Court', city: 'Austin', state: 'TX', postal: '78701' },
];

/**
 * The owners of an account: all accounts of a member share the same (seeded) person, and a
 * joint account adds a second one (the next person of the list).
 */
export function accountOwnerViews(acc: GeneratedAccount, seed: string): AccountOwnerResponse[] {
  const h = hashKey(seed, 'owner', acc.memberGuid);
  const first = ownerView(acc, OWNERS[h % OWNERS.length]!, mxGuid('ACO', seed, 'account_owner', acc.guid), h % 100);
  if (!acc.joint) return [first];
  return [
    first,
    ownerView(
      acc,
      OWNERS[(h + 1) % OWNERS.length]!,
      mxGuid('ACO', seed, 'account_owner', acc.guid, 'joint'),
      (h + 1) % 100,
    ),
  ];
}

function ownerView(
  acc: GeneratedAccount,
  o: (typeof OWNERS)[number],
  guid: string,
  phone: number,
): AccountOwnerResponse {
  const handle = o.name.toLowerCase().replace(/\s+/g, '.');
  return {
    account_guid: acc.guid,
    address: o.street,
    city: o.city,
    country: 'US',
    email: `${handle}@example.com`,
    first_name: null,
    guid,
    last_name: null,
    member_guid: acc.memberGuid,
    owner_name: o.name,
    phone: `555-01${String(phone).padStart(2, '0')}`,
    postal_code: o.postal,
    state: o.state,
    user_guid: acc.userGuid,
  };
}
