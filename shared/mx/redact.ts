const REDACTED = '[REDACTED]';
const WITHHELD = '[message withheld: it repeated a value from the request]';
/** Below this length a value is too likely to be an ordinary word to cut out of a sentence. */
const MIN_CUT_LENGTH = 4;

const escapeRegExp = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes every secret value from a text that came back from MX (an error message may echo
 * what it was sent). Long secrets are cut out; a short one found as a whole word withholds
 * the whole text, since cutting it out would blank ordinary words.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!secret) continue;
    if (secret.length >= MIN_CUT_LENGTH) {
      out = out.split(secret).join(REDACTED);
    } else if (new RegExp(`(^|\\W)${escapeRegExp(secret)}(\\W|$)`).test(out)) {
      return WITHHELD;
    }
  }
  return out;
}
