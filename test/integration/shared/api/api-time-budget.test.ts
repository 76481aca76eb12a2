import { describe, expect, it } from 'vitest';
import { API_FUNCTION_SIZE } from '#shared/api/api-functions.js';
import { CREATE_MEMBER_SEQUENTIAL_MX_CALLS } from '#shared/api/operations/members.js';
import { PAGE_RETRIES } from '#shared/mx/pagination.js';
import { API_MX_TIMEOUT_MS } from '#shared/runtime/api-runtime.js';

/** What the slowest route also waits on besides MX: the secret, a handful of DynamoDB calls, one StartExecution. */
const AWS_CALLS_ALLOWANCE_MS = 8_000;

describe('the API time budget', () => {
  it('fits the worst case of the slowest route (a create adopting the member MX holds) inside the API function timeout', () => {
    // The API's client tries each list page once (pageRetries 0), so one call is one time-out at most.
    const worstMxMs = CREATE_MEMBER_SEQUENTIAL_MX_CALLS * API_MX_TIMEOUT_MS;

    expect(worstMxMs + AWS_CALLS_ALLOWANCE_MS).toBeLessThanOrEqual(API_FUNCTION_SIZE.timeoutSeconds * 1000);
  });

  it('would not fit with the workflow functions’ page retries, which is why the API turns them off', () => {
    const withRetries = CREATE_MEMBER_SEQUENTIAL_MX_CALLS * (1 + PAGE_RETRIES) * API_MX_TIMEOUT_MS;

    expect(withRetries).toBeGreaterThan(API_FUNCTION_SIZE.timeoutSeconds * 1000);
  });
});
