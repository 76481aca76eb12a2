import type { JsonValue } from './json.js';
import { UncatchableFailure } from './task-errors.js';

/**
 * Evaluates an ASL Reference Path (`$`, `$.a.b`, `$['a'][0]`, `$$.Execution.Id`): the subset of
 * JSONPath that SecondsPath / TimestampPath may use. Needed because the rewritten Wait states
 * (see rewrite-definition.ts) evaluate their path themselves.
 */
export function evaluateReferencePath(path: string, input: JsonValue, context: JsonValue): JsonValue {
  const fromContext = path.startsWith('$$');
  let value: JsonValue | undefined = fromContext ? context : input;
  const rest = path.slice(fromContext ? 2 : 1);
  const segment = /\.([^.[\]]+)|\[\s*(\d+)\s*\]|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]/y;
  let offset = 0;
  while (offset < rest.length) {
    segment.lastIndex = offset;
    const match = segment.exec(rest);
    if (!match) throw new UncatchableFailure('States.Runtime', `Invalid reference path '${path}'`);
    offset = segment.lastIndex;
    const key = match[1] ?? match[3] ?? match[4];
    if (key !== undefined) {
      value = value !== null && typeof value === 'object' && !Array.isArray(value) ? value[key] : undefined;
    } else {
      const index = Number(match[2]);
      value = Array.isArray(value) ? value[index] : undefined;
    }
    if (value === undefined) {
      throw new UncatchableFailure('States.Runtime', `Path '${path}' does not match anything in the input`);
    }
  }
  return value;
}
