/**
 * API Gateway's limits on a REST API request (its quotas, which cannot be raised), answered by
 * the gateway before any function runs; the local API Gateway enforces the same ones.
 */
export const GATEWAY_LIMITS = {
  /** Characters of the URL of a regional API. */
  maxUrlLength: 10_240,
  /**
   * Bytes of the method ARN (`arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>`)
   * of a request to a method with authorization or under a resource policy: longer is a 414.
   */
  maxMethodArnBytes: 1_600,
  /** Bytes of a request's payload. */
  maxPayloadBytes: 10 * 1024 * 1024,
} as const;
