// The credentials a new member needs: from --credential options, else asked at the terminal
// (password fields masked). Values go into the request and nowhere else: never printed.
import { UsageError } from './context.js';
import type { Prompts } from './prompt-challenges.js';

export interface CredentialField {
  readonly guid: string;
  readonly field_name?: string;
  readonly label?: string;
  readonly type?: string;
  readonly field_type?: string;
}

const nameOf = (f: CredentialField) => f.label ?? f.field_name ?? f.guid;
export const isSecretField = (f: CredentialField) => (f.field_type ?? f.type ?? '').toUpperCase() === 'PASSWORD';

/**
 * The `LABEL_OR_FIELD=VALUE` options, each matched to a field by its label, its field name
 * (any case) or its guid. Errors name the key, never the value.
 */
export function parseCredentialOptions(given: readonly string[], fields: readonly CredentialField[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const [i, option] of given.entries()) {
    const eq = option.indexOf('=');
    if (eq <= 0) throw new UsageError(`--credential #${i + 1} must be LABEL=VALUE (e.g. Username=mxuser)`);
    const key = option.slice(0, eq).trim().toLowerCase();
    const field = fields.find((f) => [f.label, f.field_name, f.guid].some((k) => k?.toLowerCase() === key));
    if (!field) {
      throw new UsageError(`--credential "${option.slice(0, eq)}" is not a field of this institution; it asks for ${fields.map(nameOf).join(', ') || 'none'}`);
    }
    values.set(field.guid, option.slice(eq + 1));
  }
  return values;
}

/** Every field's value: given, or asked for (when interactive), else a usage error naming the missing fields. */
export async function resolveCredentials(
  fields: readonly CredentialField[],
  given: readonly string[],
  options: { interactive: boolean; prompts: Prompts },
): Promise<{ guid: string; value: string }[]> {
  const values = parseCredentialOptions(given, fields);
  const missing = fields.filter((f) => !values.has(f.guid));
  if (missing.length > 0 && !options.interactive) {
    throw new UsageError(`missing ${missing.map((f) => `--credential "${nameOf(f)}=…"`).join(' and ')} (or run it at a terminal to be asked)`);
  }
  for (const f of missing) values.set(f.guid, isSecretField(f) ? await options.prompts.password(nameOf(f)) : await options.prompts.input(nameOf(f)));
  return fields.map((f) => ({ guid: f.guid, value: values.get(f.guid) ?? '' }));
}
