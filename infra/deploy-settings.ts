import * as logs from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { parseAppSchemes } from '#shared/api/redirect-url.js';
import { parsePrincipalList } from '#shared/api/resource-policy.js';
import { DEFAULT_JOB_TIME_BUDGET, type JobTimeBudget, timeBudgetProblem } from '#shared/contract/time-budget.js';
import type { MxflowStackProps } from './mxflow-stack.js';

const minutes = (what: string) =>
  z.coerce
    .number({ error: `${what} in whole minutes` })
    .int(`${what} in whole minutes`)
    .positive(`${what} in whole minutes`);
const days = (what: string) =>
  z.coerce
    .number({ error: `days to keep ${what}: a whole number, 1 or more` })
    .int(`days to keep ${what}: a whole number, 1 or more`)
    .positive(`days to keep ${what}: a whole number, 1 or more`);
const concurrency = z.coerce
  .number({ error: 'a whole number of concurrent executions, at least 1' })
  .int('a whole number of concurrent executions, at least 1')
  .min(1, 'a whole number of concurrent executions, at least 1');

/**
 * What a platform team chooses at deploy time, as CDK context (`-c stage=prod` or cdk.json):
 * every setting has a default, so `npx cdk deploy` works as it is.
 */
const DeployContext = z.object({
  stage: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,20}$/, 'lower case letters, digits and dashes')
    .default('dev'),
  mxEnvironment: z.enum(['integration', 'production']).default('integration'),
  mxDialect: z.enum(['platform', 'atrium']).default('platform'),
  /** An existing Secrets Manager secret (complete ARN) holding `{"client_id", "api_key"}`. */
  mxSecretArn: z.string().startsWith('arn:').optional(),
  logRetentionDays: z.coerce.number().int().positive().default(30),
  alarmEmail: z.email().optional(),
  /** `static`: the functions that call MX leave from fixed IPs MX can allow-list; default on prod only. */
  mxEgress: z.enum(['static', 'none'], { error: 'static (fixed IPs for MX to allow-list) or none' }).optional(),
  /** Zones (one NAT gateway and Elastic IP each) for static egress. */
  mxEgressAzs: z.coerce
    .number({ error: 'a whole number of availability zones, 1 to 6' })
    .int('a whole number of availability zones, 1 to 6')
    .min(1, 'at least 1 availability zone')
    .max(6, 'at most 6 availability zones')
    .optional(),
  /** Keep the table and its key when the stack is deleted (`-c retainData=false` for throw-away stages). */
  retainData: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], { error: 'true or false' })
    .default(true),
  /** Days an ended job's record is kept (DynamoDB's TTL deletes it after); unset: until its member is deleted. */
  jobRetentionDays: days('job records').optional(),
  /** Days account numbers and owners are kept after their copy; unset: until their member is deleted. */
  resultRetentionDays: days('verification and identification results').optional(),
  /** The execution's hard limit; the poll cap and the member lock are derived from it. */
  executionTimeoutMinutes: minutes('the execution limit').optional(),
  /** How long a challenge waits for the end user's answer. */
  challengeTimeoutMinutes: minutes('the challenge wait').optional(),
  /** The fintech's HTTPS receiver: every event is also POSTed there, signed with the stack's callback key. */
  callbackUrl: z.url({ protocol: /^https$/, error: 'an https:// URL of the fintech’s receiver' }).optional(),
  /**
   * Set once MX's dashboard posts webhooks to the stack's MxWebhookUrl: aggregations and
   * verifications then wait this long for their member's webhook after each 3-s floor before the
   * fallback status read (15–30 is typical). Unset: no webhooks expected, reads every 3 s.
   */
  mxWebhookWaitSeconds: z.coerce
    .number({ error: 'a whole number of seconds, 5 to 300' })
    .int('a whole number of seconds, 5 to 300')
    .min(5, 'a whole number of seconds, 5 to 300')
    .max(300, 'a whole number of seconds, 5 to 300')
    .optional(),
  /*
   * Reserved concurrency. A new AWS account may have only 10 concurrent executions, and Lambda
   * refuses any reservation that leaves fewer than 10 unreserved: any default here would fail
   * the deploy there, so there is none. With a raised quota, cap the copy (e.g. 50) and reserve
   * for the API functions (e.g. 20 each), so a burst of copies cannot starve the API; a throttled
   * copy is retried by the state machine.
   */
  apiReservedConcurrency: concurrency.optional(),
  copyReservedConcurrency: concurrency.optional(),
  /** App URL schemes a client_redirect_url may use besides https (`myapp,otherapp`); unset: https only. */
  clientRedirectSchemes: z
    .string()
    .superRefine((setting, ctx) => {
      try {
        parseAppSchemes(setting);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .optional(),
  /**
   * The IAM principals that may call the API (`arn:…:role/…`, `:user/…` or an account's `:root`),
   * comma-separated: the API's resource policy refuses every other. Required on prod; elsewhere
   * the deploying account's root (every principal of the account its IAM policies allow).
   */
  allowedPrincipals: z
    .string()
    .superRefine((setting, ctx) => {
      try {
        parsePrincipalList(setting);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .optional(),
  /** A private API, reachable only through these interface VPC endpoints of execute-api (`vpce-…,vpce-…`). */
  privateApiVpcEndpointIds: z
    .string()
    .transform((setting) => setting.split(',').map((id) => id.trim()))
    .pipe(
      z
        .array(
          z.string().regex(/^vpce-[0-9a-f]{8,17}$/, 'VPC endpoint ids, vpce- and 8 to 17 hex digits, comma-separated'),
        )
        .min(1),
    )
    .optional(),
});

const DEFAULT_EGRESS_AZS = 2;

export type DeploySettings = Pick<
  MxflowStackProps,
  | 'stage'
  | 'mxEnvironment'
  | 'mxDialect'
  | 'existingMxSecretArn'
  | 'logRetention'
  | 'alarmEmail'
  | 'mxEgress'
  | 'retainData'
  | 'retention'
  | 'timeBudget'
  | 'apiReservedConcurrency'
  | 'copyReservedConcurrency'
  | 'callbackUrl'
  | 'clientRedirectSchemes'
  | 'apiAccess'
>;

export function readDeploySettings(context: (key: string) => unknown): DeploySettings {
  const raw = Object.fromEntries(
    Object.keys(DeployContext.shape)
      .map((key) => [key, context(key)])
      .filter(([, v]) => v !== undefined),
  );
  const parsed = DeployContext.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `invalid deploy context: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const c = parsed.data;
  const retention = Object.values(logs.RetentionDays).includes(c.logRetentionDays as logs.RetentionDays);
  if (!retention)
    throw new Error(
      `invalid deploy context: logRetentionDays must be one CloudWatch offers (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, …)`,
    );
  // Production MX allow-lists callers by IP, so prod egresses from static IPs unless told otherwise.
  const egress = c.mxEgress ?? (c.stage === 'prod' ? 'static' : 'none');
  if (egress === 'none' && c.mxEgressAzs !== undefined)
    throw new Error('invalid deploy context: mxEgressAzs needs mxEgress=static (the default on prod only)');
  if (c.stage === 'prod' && c.allowedPrincipals === undefined)
    throw new Error(
      'invalid deploy context: allowedPrincipals is required on stage prod: the IAM roles, users or accounts that may call the API, e.g. -c allowedPrincipals=arn:aws:iam::111122223333:role/backend',
    );
  // MX posts its webhooks from the internet, which cannot reach a private API.
  if (c.privateApiVpcEndpointIds && c.mxWebhookWaitSeconds !== undefined)
    throw new Error(
      'invalid deploy context: privateApiVpcEndpointIds and mxWebhookWaitSeconds do not go together: MX cannot reach a private API, so its webhooks would never arrive; leave mxWebhookWaitSeconds unset (jobs read the member every 3 s)',
    );
  const timeBudget: JobTimeBudget = {
    ...DEFAULT_JOB_TIME_BUDGET,
    ...(c.executionTimeoutMinutes ? { executionLimitSeconds: c.executionTimeoutMinutes * 60 } : {}),
    ...(c.challengeTimeoutMinutes ? { challengeTimeoutSeconds: c.challengeTimeoutMinutes * 60 } : {}),
    poll: {
      ...DEFAULT_JOB_TIME_BUDGET.poll,
      ...(c.mxWebhookWaitSeconds ? { webhookWaitSeconds: c.mxWebhookWaitSeconds } : {}),
    },
  };
  const unfit = timeBudgetProblem(timeBudget);
  if (unfit)
    throw new Error(
      `invalid deploy context: executionTimeoutMinutes, challengeTimeoutMinutes and mxWebhookWaitSeconds do not fit together: ${unfit}`,
    );
  return {
    stage: c.stage,
    mxEnvironment: c.mxEnvironment,
    mxDialect: c.mxDialect,
    ...(c.mxSecretArn ? { existingMxSecretArn: c.mxSecretArn } : {}),
    logRetention: c.logRetentionDays as logs.RetentionDays,
    ...(c.alarmEmail ? { alarmEmail: c.alarmEmail } : {}),
    ...(egress === 'static' ? { mxEgress: { azs: c.mxEgressAzs ?? DEFAULT_EGRESS_AZS } } : {}),
    retainData: c.retainData,
    retention: {
      ...(c.jobRetentionDays ? { jobDays: c.jobRetentionDays } : {}),
      ...(c.resultRetentionDays ? { resultDays: c.resultRetentionDays } : {}),
    },
    timeBudget,
    ...(c.apiReservedConcurrency ? { apiReservedConcurrency: c.apiReservedConcurrency } : {}),
    ...(c.copyReservedConcurrency ? { copyReservedConcurrency: c.copyReservedConcurrency } : {}),
    ...(c.callbackUrl ? { callbackUrl: c.callbackUrl } : {}),
    ...(c.clientRedirectSchemes ? { clientRedirectSchemes: parseAppSchemes(c.clientRedirectSchemes).join(',') } : {}),
    apiAccess: {
      ...(c.allowedPrincipals ? { allowedPrincipals: parsePrincipalList(c.allowedPrincipals) } : {}),
      ...(c.privateApiVpcEndpointIds ? { vpcEndpointIds: c.privateApiVpcEndpointIds } : {}),
    },
  };
}
