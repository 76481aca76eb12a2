import { API_ERROR_CODES } from '#shared/contract/api-errors.js';
import { DELETION_STATUSES, JOB_STATUSES, JOB_TYPES } from '#shared/contract/workflow.js';
import { FAILURE_REASONS } from '#shared/jobs/failure-reasons.js';
import { MAX_PAGE_SIZE, MIN_PAGE_SIZE } from '#shared/mx/index.js';
import * as z from '#shared/runtime/zod.js';
import { JOB_WARNINGS } from '#shared/store/job-record.js';
import { SCHEME } from './redirect-url.js';
import { hasControlCharacter } from './text-checks.js';

/**
 * Every request and response shape of the API, in MX's style (snake_case, one envelope key
 * per resource). The handlers validate with these and the OpenAPI document is generated
 * from them: one source.
 */

// ── path and query parameters ──────────────────────────────────────────────────────────────
const guid = (prefix: string) =>
  z
    .string()
    .check(z.regex(new RegExp(`^${prefix}-[A-Za-z0-9-]{1,64}$`), `must be an MX guid starting with ${prefix}-`));

export const UserGuid = guid('USR');
export const MemberGuid = guid('MBR');
export const AccountGuid = guid('ACT');
export const JobGuid = z.string().check(z.regex(/^JOB-[0-9a-f]{12}-[0-9a-f]{16}$/, 'must be an mxflow job guid'));
/** No `.` nor `/`: a code goes into MX's URL paths, where `.`/`..` would name another resource. */
export const InstitutionCode = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be an MX institution code: letters, digits, _ and - only'));

/** A string of at most `max` characters (at least `min`). */
const text = (max: number, min?: number) =>
  z.string().check(...(min === undefined ? [] : [z.minLength(min)]), z.maxLength(max));
/** A caller's id (of a user, a member, a credential or challenge): no control characters, which would hide in logs. */
const id = (max: number) =>
  text(max, 1).check(z.refine((v) => !hasControlCharacter(v), 'must not contain control characters'));
/** Plain decimal digits, no sign, spaces, exponent, hex, fraction or leading zero: one spelling per number. */
const DECIMAL = /^(0|[1-9][0-9]*)$/;
/**
 * A whole number in [min, max] from a query string, `fallback` when the parameter is absent. Only
 * plain decimal digits are read as a number (`Number()` would take `1e2`, `0x10`, ` 5`); the
 * OpenAPI document shows the number it stands for.
 */
const queryInt = (min: number, max: number, fallback: number) =>
  z._default(
    z.pipe(
      z.transform((v: unknown) => (typeof v === 'string' && DECIMAL.test(v) ? Number(v) : v)),
      z
        .number({ error: `must be a whole number from ${min} to ${max} in plain decimal digits` })
        .check(z.int(), z.gte(min), z.lte(max)),
    ),
    fallback,
  );
const optionalBoolean = z.optional(z.boolean());

const queryBoolean = z.pipe(
  z.enum(['true', 'false']),
  z.transform((v) => v === 'true'),
);
const isoDate = z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD'),
  z.refine(
    (v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
    'must be a real date',
  ),
);

export const InstitutionSearchQuery = z.strictObject({
  name: z.optional(text(200, 1)),
  supports_account_verification: z.optional(queryBoolean),
  supports_account_identification: z.optional(queryBoolean),
  supports_transaction_history: z.optional(queryBoolean),
  page: queryInt(1, 10_000, 1),
  records_per_page: queryInt(MIN_PAGE_SIZE, MAX_PAGE_SIZE.institutions, 25),
});

/** A cursor as the API hands it out: opaque, sealed, good only for the list it came from. */
const cursor = (what: string) =>
  z.optional(text(2048, 1).check(z.describe(`${what}, exactly as the API gave it out (opaque and sealed)`)));

export const PageQuery = z.strictObject({
  limit: queryInt(1, 1000, 100),
  cursor: cursor("the previous page's pagination.next_cursor"),
});

/** The filters a change-feed read (`updated_since_cursor`) cannot be combined with. */
const LIST_ONLY = ['cursor', 'account_guid', 'from_date', 'to_date'] as const;

export const TransactionsQuery = z
  .extend(PageQuery, {
    account_guid: z.optional(AccountGuid),
    from_date: z.optional(isoDate),
    to_date: z.optional(isoDate),
    updated_since_cursor: cursor('a sync_cursor of this member'),
  })
  .check(
    z.refine((q) => !q.from_date || !q.to_date || q.from_date <= q.to_date, {
      message: 'must not be after to_date',
      path: ['from_date'],
    }),
    z.superRefine((q, ctx) => {
      if (q.updated_since_cursor === undefined) return;
      for (const field of LIST_ONLY) {
        if (q[field] !== undefined) {
          ctx.issues.push({
            code: 'custom',
            input: q[field],
            path: [field],
            message: 'cannot be combined with updated_since_cursor (the changes are the whole member’s, in order)',
          });
        }
      }
    }),
  );

// ── request bodies ─────────────────────────────────────────────────────────────────────────
const metadata = text(4096);
const Credential = z.strictObject({ guid: id(100), value: text(1000) });
/** Where MX sends a webview's messages: a URL scheme alone (RFC 3986, as redirect URLs' schemes are checked). */
const urlScheme = z
  .string()
  .check(
    z.refine(
      (v) => SCHEME.test(v.toLowerCase()),
      'must be a URL scheme alone, such as myapp (no ://), of at most 64 characters',
    ),
  );
/** How the end user comes back from an OAuth window: a browser, or the fintech's app (MX's referral_source). */
const ReferralSource = z.enum(['BROWSER', 'APP']);
const redirectUrl = z.optional(
  z
    .url()
    .check(
      z.maxLength(2048),
      z.describe(
        'where MX sends the end user back: an https URL, or an app scheme the deployment allows (CLIENT_REDIRECT_SCHEMES); anything else is refused',
      ),
    ),
);

export const CreateUserBody = z.strictObject({
  user: z
    .strictObject({
      id: z.optional(id(192)),
      email: z.optional(z.email().check(z.maxLength(320))),
      metadata: z.optional(metadata),
    })
    .check(z.refine((u) => Object.keys(u).length > 0, 'must not be empty: give at least an id')),
});

/**
 * How the end user comes back from an OAuth window (MX's MemberCreateRequestBody and OAuth window
 * query): a browser (BROWSER, the default) or the fintech's app (APP), which MX sends to
 * client_redirect_url, so APP needs one. MX's guide has every OAuth member give a
 * client_redirect_url; MX uses it (and ui_message_webview_url_scheme) only with APP and ignores it
 * otherwise, so a browser's is taken and passed on as MX takes it.
 */
const oauthReferral = {
  referral_source: z.optional(ReferralSource),
  client_redirect_url: redirectUrl,
  ui_message_webview_url_scheme: z.optional(urlScheme),
  enable_app2app: optionalBoolean,
};
const appNeedsRedirect = z.refine<{ referral_source?: string; client_redirect_url?: string }>(
  (b) => b.referral_source !== 'APP' || b.client_redirect_url !== undefined,
  {
    path: ['client_redirect_url'],
    message: 'is required with referral_source APP: MX sends the end user back to it from the OAuth window',
  },
);

export const CreateMemberBody = z
  .strictObject({
    member: z
      .strictObject({
        institution_code: InstitutionCode,
        credentials: z.optional(z.array(Credential).check(z.maxLength(20))),
        is_oauth: optionalBoolean,
        id: z.optional(id(192)),
        metadata: z.optional(metadata),
        skip_aggregation: optionalBoolean,
        background_aggregation_is_disabled: optionalBoolean,
      })
      .check(
        z.refine((m) => m.is_oauth === true || (m.credentials?.length ?? 0) > 0, {
          message: 'a member needs credentials unless it is an OAuth member (is_oauth: true)',
          path: ['credentials'],
        }),
      ),
    ...oauthReferral,
  })
  .check(appNeedsRedirect);

const credentials = z.array(Credential).check(z.minLength(1), z.maxLength(20));

/** New credentials; an OAuth member takes none, and how its new OAuth window sends the end user back instead. */
export const UpdateMemberBody = z
  .strictObject({ member: z.optional(z.strictObject({ credentials })), ...oauthReferral })
  .check(appNeedsRedirect);

/** A fresh OAuth window (MX's `GET …/oauth_window_uri` query), and whether MX aggregates once it is finished. */
export const OAuthWindowBody = z
  .strictObject({ ...oauthReferral, skip_aggregation: optionalBoolean })
  .check(appNeedsRedirect);

export const StartJobBody = z.strictObject({
  include_transactions: optionalBoolean,
  /** Follow the job MX (or the Connect widget) already started instead of starting one. */
  observe: optionalBoolean,
});

export const AnswerChallengesBody = z.strictObject({ challenges: credentials });

export const WidgetUrlBody = z.strictObject({
  widget_url: z.strictObject({
    widget_type: z._default(z.enum(['connect_widget']), 'connect_widget'),
    mode: z.optional(z.enum(['aggregation', 'verification'])),
    current_institution_code: z.optional(InstitutionCode),
    current_member_guid: z.optional(MemberGuid),
    include_transactions: optionalBoolean,
    include_identity: optionalBoolean,
    update_credentials: optionalBoolean,
    client_redirect_url: redirectUrl,
    is_mobile_webview: optionalBoolean,
    ui_message_webview_url_scheme: z.optional(urlScheme),
    // MX's documented Connect options, passed through as MX names and types them.
    color_scheme: z.optional(z.enum(['light', 'browser', 'dark'])),
    disable_background_agg: optionalBoolean,
    disable_institution_search: optionalBoolean,
    enable_app2app: optionalBoolean,
    oauth_referral_source: z.optional(ReferralSource),
    ui_message_version: z.optional(z.number().check(z.int(), z.gte(1), z.lte(4))),
  }),
});

// ── responses ──────────────────────────────────────────────────────────────────────────────
const timestamp = z.string().check(z.describe('ISO 8601 timestamp'));
const nullableString = z.nullable(z.string());

export const User = z.object({
  guid: z.string(),
  id: nullableString,
  email: nullableString,
  metadata: nullableString,
  created_at: timestamp,
});

const option = { label: nullableString, value: nullableString };

export const Challenge = z.object({
  guid: z.string(),
  type: z.string(),
  label: nullableString,
  field_name: z.optional(nullableString),
  image_data: z.optional(nullableString),
  options: z.optional(z.array(z.object(option))),
  image_options: z.optional(z.array(z.object({ ...option, data_uri: nullableString }))),
});

const reasonCodes = Object.keys(FAILURE_REASONS) as [string, ...string[]];

export const Job = z.object({
  guid: z.string(),
  type: z.enum(JOB_TYPES),
  status: z.enum(JOB_STATUSES),
  user_guid: z.string(),
  member_guid: z.string(),
  connection_status: nullableString,
  challenges: z.optional(z.array(Challenge)),
  oauth_window_uri: z.optional(nullableString),
  error: z.optional(z.nullable(z.object({ code: z.enum(reasonCodes), message: z.string() }))),
  counts: z.optional(
    z
      .record(z.string(), z.union([z.number(), z.boolean()]))
      .check(
        z.describe(
          'rows stored per result kind; `refreshed: false` when MX throttled the aggregation and the data was not refreshed',
        ),
      ),
  ),
  warnings: z.optional(
    z
      .array(z.object({ code: z.enum(Object.keys(JOB_WARNINGS) as [string, ...string[]]), message: z.string() }))
      .check(
        z.describe('a job that SUCCEEDED with something to know: ACCOUNT_NUMBERS_NOT_VALIDATED, DATA_NOT_REFRESHED'),
      ),
  ),
  created_at: timestamp,
  updated_at: timestamp,
  finished_at: z.optional(timestamp),
});

export const Member = z.object({
  guid: z.string(),
  user_guid: z.string(),
  institution_code: z.string(),
  id: nullableString,
  metadata: nullableString,
  is_oauth: z.boolean(),
  oauth_window_uri: nullableString,
  connection_status: nullableString,
  created_at: timestamp,
  updated_at: timestamp,
});

export const Pagination = z.object({ next_cursor: nullableString });
export const MxPagination = z.object({
  current_page: z.number(),
  per_page: z.number(),
  total_entries: z.number(),
  total_pages: z.number(),
});
/** Every refusal's body; its code is one of the API_ERROR catalogue's. */
export const ErrorBody = z.object({
  error: z.object({ code: z.enum(API_ERROR_CODES), message: z.string(), field: z.optional(z.string()) }),
});

/** MX's own records (accounts, numbers, owners, transactions, institutions) pass through as MX sent them. */
export const MxRecord = z.record(z.string(), z.unknown()).check(z.describe("MX's record, as MX's API returns it"));

/** A page of transactions: the list's, or with updated_since_cursor the changes since it. */
export const TransactionsPage = z.object({
  transactions: z.array(MxRecord),
  pagination: Pagination,
  /**
   * Where the next read of changes starts: on a list's first page the position before it was read,
   * with updated_since_cursor the position after the changes returned. Null before any copy.
   */
  sync_cursor: z.optional(nullableString),
  /** With updated_since_cursor: more changes are waiting (ask again with the new sync_cursor). */
  has_more: z.optional(z.boolean()),
});

/** MX's account number record, marked by mxflow whether its number is a TAN (MX has no such field). */
export const AccountNumber = z
  .catchall(
    z.object({
      is_tokenized: z
        .boolean()
        .check(
          z.describe(
            "mxflow's rule: an OAuth member at a bank that issues tokenized account numbers (Chase, U.S. Bank). A TAN works for ACH only with the routing number returned with it; never show it to the end user (show the account's masked account_number)",
          ),
        ),
    }),
    z.unknown(),
  )
  .check(z.describe("MX's account number record, as MX's API returns it, plus is_tokenized"));

const wholeNumber = z.number().check(z.int());

/** A user's or a member's deletion, followed at GET /deletions/{deletion_guid}: guids and counts only. */
export const Deletion = z
  .object({
    guid: z.string(),
    scope: z.enum(['user', 'member']),
    user_guid: z.string(),
    member_guids: z.array(z.string()),
    status: z.enum(DELETION_STATUSES),
    cancelled_jobs: z.array(z.string()).check(z.describe('jobs that were running and were cancelled first')),
    deleted_at_mx: z.boolean(),
    items_deleted: wholeNumber,
    error: z.nullable(z.object({ code: z.string(), message: z.string() })),
    created_at: z.string(),
    updated_at: z.string(),
    finished_at: z.nullable(z.string()),
  })
  .check(z.describe('A deletion: it cancels running jobs, deletes at MX, then purges every item mxflow holds'));

export const DeletionGuid = z.string().check(z.regex(/^DEL-[0-9a-f]{32}$/, 'must be an mxflow deletion guid'));

/**
 * What deleting a member answers (202, with a deletion to follow), warning when it held account
 * numbers that become unusable.
 */
export const MemberDeleted = z.object({
  deletion: Deletion,
  deleted: z.object({
    member_guid: z.string(),
    account_numbers: wholeNumber,
    tokenized_account_numbers: wholeNumber,
  }),
  warnings: z.array(
    z.object({ code: z.enum(['ACCOUNT_NUMBERS_UNUSABLE', 'TOKENIZED_ACCOUNT_NUMBERS_REVOKED']), message: z.string() }),
  ),
});
