/**
 * The two ways of speaking to MX: the Platform API (v20111101, Basic auth) and the legacy
 * Atrium API (MX-API-Key / MX-Client-ID headers, `identifier` instead of `id`).
 */
export type MxDialect = 'platform' | 'atrium';

export interface MxCredentials {
  readonly clientId: string;
  readonly apiKey: string;
}

export const MX_BASE_URLS = {
  platform: { integration: 'https://int-api.mx.com', production: 'https://api.mx.com' },
  atrium: { integration: 'https://vestibule.mx.com', production: 'https://atrium.mx.com' },
} as const;

const ACCEPT: Record<MxDialect, string> = {
  platform: 'application/vnd.mx.api.v1+json',
  atrium: 'application/vnd.mx.atrium.v1+json',
};

/**
 * The Platform API version mxflow speaks. Since 2026-08-12 MX refuses a Platform call that does
 * not name its version in `Accept-Version`; Atrium has no such header.
 */
const MX_API_VERSION = 'v20111101';

export function authHeaders(dialect: MxDialect, credentials: MxCredentials): Record<string, string> {
  if (dialect === 'atrium') {
    return { Accept: ACCEPT.atrium, 'MX-API-Key': credentials.apiKey, 'MX-Client-ID': credentials.clientId };
  }
  const basic = Buffer.from(`${credentials.clientId}:${credentials.apiKey}`).toString('base64');
  return { Accept: ACCEPT.platform, 'Accept-Version': MX_API_VERSION, Authorization: `Basic ${basic}` };
}

type Json = Record<string, unknown>;

/** Atrium calls the caller's own id `identifier`; the rest of mxflow speaks Platform (`id`). */
export function toDialectResource(dialect: MxDialect, resource: Json): Json {
  if (dialect !== 'atrium' || !('id' in resource)) return resource;
  const { id, ...rest } = resource;
  return { ...rest, identifier: id };
}

export function fromDialectResource<T>(dialect: MxDialect, resource: T): T {
  if (dialect !== 'atrium' || resource === null || typeof resource !== 'object' || !('identifier' in resource)) {
    return resource;
  }
  const { identifier, ...rest } = resource as Json;
  return { ...rest, id: identifier } as T;
}
