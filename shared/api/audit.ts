import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ApiResponse } from './operation.js';
import type { OperationId } from './routes.js';

/** The log message of every audit event: a metric filter or a subscription selects `{ $.message = "audit" }`. */
export const AUDIT_MESSAGE = 'audit';

/** The reads of account numbers and of account owners, each audited, and the list its answer holds. */
export const AUDITED_READS: Partial<Record<OperationId<'results'>, string>> = {
  listAccountNumbers: 'account_numbers',
  listAccountOwners: 'account_owners',
};

/** Who read what: references and a count, never the records themselves. */
export interface AuditEvent {
  /** The caller's IAM principal as API Gateway's IAM auth found it (a role's session ARN, a user's ARN). */
  readonly principal_arn: string | null;
  /** The caller's unique id (`AROA…:session`, `AIDA…`) and account. */
  readonly caller: string | null;
  readonly account_id: string | null;
  readonly user_guid: string;
  readonly member_guid: string;
  /** The route's operation id, e.g. `listAccountNumbers`. */
  readonly route: string;
  readonly records: number;
}

/**
 * The audit event of a successful read of account numbers or owners; undefined for any other
 * route or answer. Its count is the records this answer returned (one page).
 */
export function auditEventOf(
  operationId: string,
  identity: Partial<APIGatewayProxyEvent['requestContext']['identity']> | undefined,
  params: unknown,
  response: ApiResponse,
): AuditEvent | undefined {
  const list = (AUDITED_READS as Record<string, string | undefined>)[operationId];
  if (!list || response.status !== 200) return undefined;
  const records = (response.body as Record<string, unknown> | undefined)?.[list];
  const { user_guid, member_guid } = params as { user_guid: string; member_guid: string };
  return {
    principal_arn: identity?.userArn ?? null,
    caller: identity?.caller ?? null,
    account_id: identity?.accountId ?? null,
    user_guid,
    member_guid,
    route: operationId,
    records: Array.isArray(records) ? records.length : 0,
  };
}
