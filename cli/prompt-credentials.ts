// The credentials a new member needs: from --credential options, else asked at the terminal
// (password fields masked, OPTIONS fields as a pick list). Values go into the request and nowhere else: never printed.
import { UsageError } from './context.js';
import type { Prompts } from './prompt-challenges.js';

export interface CredentialField {
  readonly guid: string;
  readonly field_name?: string;
  readonly label?: string;
  readonly type?: string;
  readonly field_type?: string;
  /** An OPTIONS field's choices: the value sent is the option's `value`. */
  readonly options?: readonly { readonly label?: string | null; readonly value?: string | null }[];
}

const nameOf = (f: CredentialField) => f.label ?? f.field_name ?? f.guid;
export const isSecretField = (f: CredentialField) => (f.field_type ?? f.type ?? '').toUpperCase() === 'PASSWORD';
const optionsOf = (f: CredentialField) =>
  (f.options ?? []).filter((o): o is { label?: string | null; value: string } => typeof o.value === 'string');
const isOptionsField = (f: CredentialField) =>
  (f.field_type ?? f.type ?? '').toUpperCase() === 'OPTIONS' && optionsOf(f).length > 0;

/** An OPTIONS field takes an option's value, or its label (any case), which is turned into the value. */
function optionValue(field: CredentialField, given: string): string {
  const options = optionsOf(field);
  const match =
    options.find((o) => o.value === given) ?? options.find((o) => o.label?.toLowerCase() === given.toLowerCase());
  if (!match) {
    throw new UsageError(
      `--credential "${nameOf(field)}" must be one of ${options.map((o) => o.label ?? o.value).join(', ')}`,
    );
  }
  return match.value;
}

/**
 * The `LABEL_OR_FIELD=VALUE` options, each matched to a field by its label, its field name
 * (any case) or its guid. Errors name the key, never the value.
 */
export function parseCredentialOptions(
  given: readonly string[],
  fields: readonly CredentialField[],
): Map<string, string> {
  const values = new Map<string, string>();
  for (const [i, option] of given.entries()) {
    const eq = option.indexOf('=');
    if (eq <= 0) throw new UsageError(`--credential #${i + 1} must be LABEL=VALUE (e.g. Username=mxuser)`);
    const key = option.slice(0, eq).trim().toLowerCase();
    const field = fields.find((f) => [f.label, f.field_name, f.guid].some((k) => k?.toLowerCase() === key));
    if (!field) {
      throw new UsageError(
        `--credential "${option.slice(0, eq)}" is not a field of this institution; it asks for ${fields.map(nameOf).join(', ') || 'none'}`,
      );
    }
    const value = option.slice(eq + 1);
    values.set(field.guid, isOptionsField(field) ? optionValue(field, value) : value);
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
    throw new UsageError(
      `missing ${missing.map((f) => `--credential "${nameOf(f)}=…"`).join(' and ')} (or run it at a terminal to be asked)`,
    );
  }
  for (const f of missing) values.set(f.guid, await ask(f, options.prompts));
  return fields.map((f) => ({ guid: f.guid, value: values.get(f.guid) ?? '' }));
}

function ask(field: CredentialField, prompts: Prompts): Promise<string> {
  if (isOptionsField(field))
    return prompts.select(
      nameOf(field),
      optionsOf(field).map((o) => ({ name: o.label ?? o.value, value: o.value })),
    );
  return isSecretField(field) ? prompts.password(nameOf(field)) : prompts.input(nameOf(field));
}
