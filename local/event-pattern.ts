import { AwsServiceError } from './aws-json-protocol.js';

/**
 * EventBridge's event patterns, the part a subscriber of mxflow's events needs: nested fields,
 * a list of values any one of which matches (an array in the event matches when any of its
 * elements does), `{ prefix }` and `{ exists }`. Anything else is refused when the rule is put,
 * so a pattern this twin cannot judge never silently matches nothing.
 */
type Matcher = string | number | boolean | null | { prefix: string } | { exists: boolean };
export type EventPattern = { readonly [field: string]: EventPattern | readonly Matcher[] };

const invalid = (why: string) =>
  new AwsServiceError('InvalidEventPatternException', `Event pattern is not valid. ${why}`);

function checkMatcher(matcher: unknown, field: string): void {
  if (matcher === null || ['string', 'number', 'boolean'].includes(typeof matcher)) return;
  const keys = typeof matcher === 'object' ? Object.keys(matcher as object) : [];
  const m = matcher as Record<string, unknown>;
  if (keys.length === 1 && keys[0] === 'prefix' && typeof m.prefix === 'string') return;
  if (keys.length === 1 && keys[0] === 'exists' && typeof m.exists === 'boolean') return;
  throw invalid(`Field ${field}: only values, prefix and exists are understood here.`);
}

/** Parses a rule's `EventPattern` text, refusing what is not a pattern (as PutRule does). */
export function parseEventPattern(text: unknown): EventPattern {
  let pattern: unknown;
  try {
    pattern = JSON.parse(String(text));
  } catch {
    throw invalid('It is not JSON.');
  }
  const check = (node: unknown, path: string): void => {
    if (typeof node !== 'object' || node === null || Array.isArray(node) || Object.keys(node).length === 0) {
      throw invalid(`${path || 'The pattern'} must be a non-empty object.`);
    }
    for (const [key, value] of Object.entries(node)) {
      const field = path ? `${path}.${key}` : key;
      if (Array.isArray(value)) {
        if (value.length === 0) throw invalid(`Field ${field}: an empty list matches nothing.`);
        for (const matcher of value) checkMatcher(matcher, field);
      } else check(value, field);
    }
  };
  check(pattern, '');
  return pattern as EventPattern;
}

function matchesValue(matcher: Matcher, value: unknown): boolean {
  if (matcher !== null && typeof matcher === 'object') {
    if ('exists' in matcher) return matcher.exists === (value !== undefined);
    return typeof value === 'string' && value.startsWith(matcher.prefix);
  }
  return value === matcher;
}

/** Whether `event` (the envelope a target receives) matches `pattern`. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  const fields = (event ?? {}) as Record<string, unknown>;
  return Object.entries(pattern).every(([key, rule]) => {
    const value = fields[key];
    if (!Array.isArray(rule))
      return typeof value === 'object' && value !== null && matchesEventPattern(rule as EventPattern, value);
    const values = Array.isArray(value) ? value : [value];
    return (rule as readonly Matcher[]).some((matcher) => values.some((v) => matchesValue(matcher, v)));
  });
}
