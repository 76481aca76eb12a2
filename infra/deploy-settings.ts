import * as logs from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import type { MxflowStackProps } from './mxflow-stack.js';

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
});

const DEFAULT_EGRESS_AZS = 2;

export type DeploySettings = Pick<
  MxflowStackProps,
  'stage' | 'mxEnvironment' | 'mxDialect' | 'existingMxSecretArn' | 'logRetention' | 'alarmEmail' | 'mxEgress'
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
  return {
    stage: c.stage,
    mxEnvironment: c.mxEnvironment,
    mxDialect: c.mxDialect,
    ...(c.mxSecretArn ? { existingMxSecretArn: c.mxSecretArn } : {}),
    logRetention: c.logRetentionDays as logs.RetentionDays,
    ...(c.alarmEmail ? { alarmEmail: c.alarmEmail } : {}),
    ...(egress === 'static' ? { mxEgress: { azs: c.mxEgressAzs ?? DEFAULT_EGRESS_AZS } } : {}),
  };
}
