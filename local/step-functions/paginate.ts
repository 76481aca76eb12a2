import { StepFunctionsError } from './errors.js';

/** List pagination as the API does it: `maxResults` per page (0/absent = all), opaque `nextToken`. */
export function paginate<T>(
  items: readonly T[],
  maxResults?: number,
  nextToken?: string,
): { page: T[]; nextToken?: string } {
  const start = nextToken === undefined ? 0 : Number(nextToken);
  if (!Number.isInteger(start) || start < 0 || start > items.length) {
    throw new StepFunctionsError('ValidationException', `Invalid nextToken '${nextToken}'`);
  }
  const end = maxResults ? Math.min(items.length, start + maxResults) : items.length;
  return { page: items.slice(start, end), ...(end < items.length && { nextToken: String(end) }) };
}
