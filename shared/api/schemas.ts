import { z } from 'zod';
import { API_ERROR_CODES } from '#shared/contract/api-errors.js';
import { JOB_STATUSES, JOB_TYPES } from '#shared/contract/workflow.js';
import { FAILURE_REASONS } from '#shared/jobs/failure-reasons.js';
import { MAX_PAGE_SIZE, MIN_PAGE_SIZE } from '#shared/mx/index.js';
import { JOB_WARNINGS } from '#shared/store/job-record.js';

/**
 * Every request and response shape of the API, in MX's style (snake_case, one envelope key
 * per resource). The handlers validate with these and the OpenAPI document is generated
 * from them: one source.
 */

// ── path and query parameters ──────────────────────────────────────────────────────────────
const guid = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}-[A-Za-z0-9-]{1,64}$`), `must be an MX guid starting with ${prefix}-`);

export const UserGuid = guid('USR');
export const MemberGuid = guid('MBR');
export const AccountGuid = guid('ACT');
export const JobGuid = z.string().regex(/^JOB-[0-9a-f]{12}-[0-9a-f]{16}$/, 'must be an mxflow job guid');
export const InstitutionCode = z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be an MX institution code');

const queryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine(
    (v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
    'must be a real date',
  );

export const InstitutionSearchQuery = z
  .object({
    name: z.string().min(1).max(200).optional(),
    supports_account_verification: queryBoolean.optional(),
    supports_account_identification: queryBoolean.optional(),
    supports_transaction_history: queryBoolean.optional(),
    page: z.coerce.number().int().min(1).max(10_000).default(1),
    records_per_page: z.coerce.number().int().min(MIN_PAGE_SIZE).max(MAX_PAGE_SIZE.institutions).default(25),
  })
  .strict();

export const PageQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().min(1).max(2048).optional(),
  })
  .strict();

export const TransactionsQuery = PageQuery.extend({
  account_guid: AccountGuid.optional(),
  from_date: isoDate.optional(),
  to_date: isoDate.optional(),
})
  .strict()
  .refine((q) => !q.from_date || !q.to_date || q.from_date <= q.to_date, {
    message: 'must not be after to_date',
    path: ['from_date'],
  });

// ── request bodies ─────────────────────────────────────────────────────────────────────────
const metadata = z.string().max(4096);
const Credential = z.object({ guid: z.string().min(1).max(100), value: z.string().max(1000) }).strict();

export const CreateUserBody = z
  .object({
    user: z
      .object({
        id: z.string().min(1).max(192).optional(),
        email: z.email().max(320).optional(),
        metadata: metadata.optional(),
      })
      .strict()
      .refine((u) => Object.keys(u).length > 0, 'must not be empty: give at least an id'),
  })
  .strict();

export const CreateMemberBody = z
  .object({
    member: z
      .object({
        institution_code: InstitutionCode,
        credentials: z.array(Credential).max(20).optional(),
        is_oauth: z.boolean().optional(),
        id: z.string().min(1).max(192).optional(),
        metadata: metadata.optional(),
        skip_aggregation: z.boolean().optional(),
        background_aggregation_is_disabled: z.boolean().optional(),
      })
      .strict()
      .refine((m) => m.is_oauth === true || (m.credentials?.length ?? 0) > 0, {
        message: 'a member needs credentials unless it is an OAuth member (is_oauth: true)',
        path: ['credentials'],
      }),
    client_redirect_url: z.url().max(2048).optional(),
  })
  .strict();

export const UpdateMemberBody = z
  .object({ member: z.object({ credentials: z.array(Credential).min(1).max(20) }).strict() })
  .strict();

export const StartJobBody = z
  .object({
    include_transactions: z.boolean().optional(),
    /** Follow the job MX (or the Connect widget) already started instead of starting one. */
    observe: z.boolean().optional(),
  })
  .strict();

export const AnswerChallengesBody = z.object({ challenges: z.array(Credential).min(1).max(20) }).strict();

export const WidgetUrlBody = z
  .object({
    widget_url: z
      .object({
        widget_type: z.enum(['connect_widget']).default('connect_widget'),
        mode: z.enum(['aggregation', 'verification']).optional(),
        current_institution_code: InstitutionCode.optional(),
        current_member_guid: MemberGuid.optional(),
        include_transactions: z.boolean().optional(),
        include_identity: z.boolean().optional(),
        update_credentials: z.boolean().optional(),
        client_redirect_url: z.url().max(2048).optional(),
        is_mobile_webview: z.boolean().optional(),
        ui_message_webview_url_scheme: z.string().max(200).optional(),
      })
      .strict(),
  })
  .strict();

// ── responses ──────────────────────────────────────────────────────────────────────────────
const timestamp = z.string().describe('ISO 8601 timestamp');

export const User = z.object({
  guid: z.string(),
  id: z.string().nullable(),
  email: z.string().nullable(),
  metadata: z.string().nullable(),
  created_at: timestamp,
});

export const Challenge = z.object({
  guid: z.string(),
  type: z.string(),
  label: z.string().nullable(),
  field_name: z.string().nullable().optional(),
  image_data: z.string().nullable().optional(),
  options: z.array(z.object({ label: z.string().nullable(), value: z.string().nullable() })).optional(),
  image_options: z
    .array(z.object({ label: z.string().nullable(), value: z.string().nullable(), data_uri: z.string().nullable() }))
    .optional(),
});

const reasonCodes = Object.keys(FAILURE_REASONS) as [string, ...string[]];

export const Job = z.object({
  guid: z.string(),
  type: z.enum(JOB_TYPES),
  status: z.enum(JOB_STATUSES),
  user_guid: z.string(),
  member_guid: z.string(),
  connection_status: z.string().nullable(),
  challenges: z.array(Challenge).optional(),
  oauth_window_uri: z.string().nullable().optional(),
  error: z
    .object({ code: z.enum(reasonCodes), message: z.string() })
    .nullable()
    .optional(),
  counts: z
    .record(z.string(), z.union([z.number(), z.boolean()]))
    .describe(
      'rows stored per result kind; `refreshed: false` when MX throttled the aggregation and the data was not refreshed',
    )
    .optional(),
  warnings: z
    .array(z.object({ code: z.enum(Object.keys(JOB_WARNINGS) as [string, ...string[]]), message: z.string() }))
    .describe('a job that SUCCEEDED with something to know: ACCOUNT_NUMBERS_NOT_VALIDATED, DATA_NOT_REFRESHED')
    .optional(),
  created_at: timestamp,
  updated_at: timestamp,
  finished_at: timestamp.optional(),
});

export const Member = z.object({
  guid: z.string(),
  user_guid: z.string(),
  institution_code: z.string(),
  id: z.string().nullable(),
  metadata: z.string().nullable(),
  is_oauth: z.boolean(),
  oauth_window_uri: z.string().nullable(),
  connection_status: z.string().nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});

export const Pagination = z.object({ next_cursor: z.string().nullable() });
export const MxPagination = z.object({
  current_page: z.number(),
  per_page: z.number(),
  total_entries: z.number(),
  total_pages: z.number(),
});
/** Every refusal's body; its code is one of the API_ERROR catalogue's. */
export const ErrorBody = z.object({
  error: z.object({ code: z.enum(API_ERROR_CODES), message: z.string(), field: z.string().optional() }),
});

/** MX's own records (accounts, numbers, owners, transactions, institutions) pass through as MX sent them. */
export const MxRecord = z.record(z.string(), z.unknown()).describe("MX's record, as MX's API returns it");

/** MX's account number record, marked by mxflow whether its number is a TAN (MX has no such field). */
export const AccountNumber = z
  .object({
    is_tokenized: z
      .boolean()
      .describe(
        "mxflow's rule: an OAuth member at a bank that issues tokenized account numbers (Chase, U.S. Bank). A TAN works for ACH only with the routing number returned with it; never show it to the end user (show the account's masked account_number)",
      ),
  })
  .catchall(z.unknown())
  .describe("MX's account number record, as MX's API returns it, plus is_tokenized");

/** What deleting a member that held account numbers answers (200; without any it answers 204). */
export const MemberDeleted = z.object({
  deleted: z.object({
    member_guid: z.string(),
    account_numbers: z.number().int(),
    tokenized_account_numbers: z.number().int(),
  }),
  warnings: z.array(
    z.object({ code: z.enum(['ACCOUNT_NUMBERS_UNUSABLE', 'TOKENIZED_ACCOUNT_NUMBERS_REVOKED']), message: z.string() }),
  ),
});
