import type { DeliveredEvent } from './event-bus.js';

/** One event as a line for a person watching the local stack: what changed, on which job or member. */
export function eventLine(event: DeliveredEvent): string {
  const d = event.detail as Record<string, unknown>;
  if (event['detail-type'] === 'Job Status Changed') {
    const challenges = Array.isArray(d.challenges) ? ` (${d.challenges.length} challenge(s))` : '';
    const reason = d.reason ? ` ${String(d.reason)}` : '';
    return `event: ${String(d.job_type)} job ${String(d.job_guid)} ${String(d.status)}${reason}${challenges}`;
  }
  const needs = d.needs_end_user ? ', needs its end user' : '';
  const what = d.change === 'DATA_UPDATED' ? 'data updated' : `connection ${String(d.connection_status)}${needs}`;
  return `event: member ${String(d.member_guid)} ${what}`;
}
