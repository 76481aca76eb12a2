import { MX_SECRET_FIELDS, MX_SECRET_PLACEHOLDER } from '#shared/contract/mx-secret.js';
import { MX_BASE_URLS, type MxCallRecord, MxClient, type MxDialect } from '#shared/mx/index.js';
import { recordMxCall } from './metrics.js';
import { traceMxCall } from './mx-call-trace.js';
import { readJsonSecret } from './secrets.js';

export interface MxConnection {
  readonly secretId: string;
  readonly baseUrl: string | undefined;
  readonly dialect: MxDialect;
  readonly timeoutMs: number;
  /** See MxClientOptions.pageRetries; unset keeps the client's default. */
  readonly pageRetries?: number;
}

interface MxSecret {
  readonly clientId: string;
  readonly apiKey: string;
  readonly baseUrl: string | undefined;
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** What errors call the MX secret. */
const MX_SECRET = 'the MX secret';

/**
 * The MX secret: `{"client_id": …, "api_key": …, "base_url"?: …}`. Never echoes the secret, nor
 * any part of it: an error names only the fields that are missing or of the wrong kind.
 */
export function parseMxSecret(raw: unknown): MxSecret {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error(`${MX_SECRET} is not a JSON object`);
  const secret = raw as Record<string, unknown>;
  // As the stack created it: the operators have not put MX's credentials in yet.
  if (MX_SECRET_FIELDS.some((field) => secret[field] === MX_SECRET_PLACEHOLDER)) {
    throw new Error(
      `${MX_SECRET} is not configured yet: put the MX client id and API key in it (the stack's PutMxCredentialsCommand output)`,
    );
  }
  const problems = [
    ...MX_SECRET_FIELDS.flatMap((field) =>
      secret[field] === undefined
        ? [`lacks ${field}`]
        : nonEmpty(secret[field])
          ? []
          : [`has a ${field} that is not a non-empty string`],
    ),
    ...(secret.base_url === undefined || (typeof secret.base_url === 'string' && URL.canParse(secret.base_url))
      ? []
      : ['has a base_url that is not a URL']),
  ];
  if (problems.length > 0) throw new Error(`${MX_SECRET} ${problems.join(', ')}`);
  return {
    clientId: String(secret.client_id),
    apiKey: String(secret.api_key),
    baseUrl: secret.base_url as string | undefined,
  };
}

function onMxCall(call: MxCallRecord): void {
  recordMxCall(call);
  traceMxCall(call);
}

/** An MX client with the API credentials from Secrets Manager, read through Powertools' cache. */
export async function mxClientFromSecret(connection: MxConnection): Promise<MxClient> {
  const secret = parseMxSecret(await readJsonSecret(connection.secretId, MX_SECRET));
  return new MxClient({
    baseUrl: connection.baseUrl ?? secret.baseUrl ?? MX_BASE_URLS[connection.dialect].integration,
    clientId: secret.clientId,
    apiKey: secret.apiKey,
    dialect: connection.dialect,
    timeoutMs: connection.timeoutMs,
    ...(connection.pageRetries === undefined ? {} : { pageRetries: connection.pageRetries }),
    onCall: onMxCall,
  });
}
