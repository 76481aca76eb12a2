import type { BasicCredentials } from '#shared/api/basic-auth.js';
import { readJsonSecret } from './secrets.js';

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/**
 * The webhook secret: `{"username": …, "password": …}`, the Basic credentials MX's dashboard
 * sends. Never echoes the secret: an error names only the fields that are wrong.
 */
export function parseWebhookSecret(raw: unknown): BasicCredentials {
  const secret = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const wrong = ['username', 'password'].filter((field) => !nonEmpty(secret[field]));
  if (wrong.length > 0) throw new Error(`the MX webhook secret lacks ${wrong.join(', ')}`);
  return { username: String(secret.username), password: String(secret.password) };
}

export const webhookCredentialsFromSecret = async (secretId: string): Promise<BasicCredentials> =>
  parseWebhookSecret(await readJsonSecret(secretId, 'the MX webhook secret'));
