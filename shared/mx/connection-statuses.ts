/**
 * MX's connection statuses, as MX documents them: plain facts of MX's API, shared by mxflow's
 * classification (shared/jobs/classify-connection.ts) and the MX simulator.
 */

/** Every connection_status, in the order of its numeric connection_status_id (0–21). */
export const CONNECTION_STATUSES = [
  'CREATED',
  'PREVENTED',
  'DENIED',
  'CHALLENGED',
  'REJECTED',
  'LOCKED',
  'CONNECTED',
  'IMPEDED',
  'RECONNECTED',
  'DEGRADED',
  'DISCONNECTED',
  'DISCONTINUED',
  'CLOSED',
  'DELAYED',
  'FAILED',
  'UPDATED',
  'DISABLED',
  'IMPORTED',
  'RESUMED',
  'EXPIRED',
  'IMPAIRED',
  'PENDING',
] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** MX's connection_status_id of a connection_status; null for one MX does not number. */
export function connectionStatusId(status: string): number | null {
  const id = (CONNECTION_STATUSES as readonly string[]).indexOf(status);
  return id < 0 ? null : id;
}

/**
 * The statuses whose entry MX announces with a CONNECTION_STATUS webhook: the ones its end user
 * must act on. Never CONNECTED.
 */
export const CONNECTION_STATUS_WEBHOOK_STATUSES = [
  'CHALLENGED',
  'DENIED',
  'EXPIRED',
  'IMPAIRED',
  'IMPEDED',
  'LOCKED',
  'PREVENTED',
  'REJECTED',
] as const satisfies readonly ConnectionStatus[];

/**
 * The statuses of an OAuth member that waits for an OAuth window: never finished (PENDING, whose
 * window may have expired), its consent expired at the bank (EXPIRED), or refused (DENIED). A
 * connected member has nothing for the end user to do at the bank.
 */
export const OAUTH_RENEWABLE_STATUSES = ['PENDING', 'EXPIRED', 'DENIED'] as const satisfies readonly ConnectionStatus[];

export const isOAuthRenewable = (status: string): boolean =>
  (OAUTH_RENEWABLE_STATUSES as readonly string[]).includes(status);
