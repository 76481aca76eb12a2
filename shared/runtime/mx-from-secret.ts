import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { z } from 'zod';
import { MX_BASE_URLS, MxClient, type MxDialect } from '#shared/mx/index.js';
import { recordMxCall } from './metrics.js';

/** The MX secret: `{"client_id": …, "api_key": …, "base_url"?: …}`. */
const MxSecret = z.object({ client_id: z.string().min(1), api_key: z.string().min(1), base_url: z.url().optional() });

/** Seconds a read secret is reused: a rotated key reaches every container within this. */
const SECRET_MAX_AGE_SECONDS = 300;

export interface MxConnection {
  readonly secretId: string;
  readonly baseUrl: string | undefined;
  readonly dialect: MxDialect;
  readonly timeoutMs: number;
  /** See MxClientOptions.pageRetries; unset keeps the client's default. */
  readonly pageRetries?: number;
}

/** An MX client with the API credentials from Secrets Manager, read through Powertools' cache. */
export async function mxClientFromSecret(connection: MxConnection): Promise<MxClient> {
  const raw = await getSecret(connection.secretId, { maxAge: SECRET_MAX_AGE_SECONDS, transform: 'json' });
  const secret = MxSecret.safeParse(raw);
  // Never echo the secret: name only the fields that are wrong.
  if (!secret.success) throw new Error(`the MX secret lacks ${secret.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return new MxClient({
    baseUrl: connection.baseUrl ?? secret.data.base_url ?? MX_BASE_URLS[connection.dialect].integration,
    clientId: secret.data.client_id,
    apiKey: secret.data.api_key,
    dialect: connection.dialect,
    timeoutMs: connection.timeoutMs,
    ...(connection.pageRetries === undefined ? {} : { pageRetries: connection.pageRetries }),
    onCall: recordMxCall,
  });
}
