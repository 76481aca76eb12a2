// Which webhooks MX sends, and when. Job state is worked out lazily from timestamps (jobs.ts);
// with webhooks on, a timer per member fires at its next transition (a challenge appears or
// expires, a job ends, a background aggregation falls due) and advances the member there, so
// each webhook goes out when MX would send it. Request paths that change state emit as they go.
import { connectionStatusId } from '#shared/mx/connection-statuses.js';
import { isoDate, isoSeconds, type MxClock } from './clock.js';
import { isRunning } from './jobs.js';
import type { Job, MemberRecord } from './model.js';
import type { MemberAction, MemberEvents, Store } from './store.js';
import { connectionStatusMessage } from './views.js';
import { firesConnectionStatus, MAX_TIMER_MS, type WebhookBody, type WebhookSender } from './webhooks.js';

const iso = (t: number | null) => (t === null ? null : isoSeconds(t));

export function connectionStatusWebhook(member: MemberRecord, status: string): WebhookBody {
  return {
    type: 'CONNECTION_STATUS',
    action: 'CHANGED',
    connection_status: status,
    connection_status_id: connectionStatusId(status),
    connection_status_message: connectionStatusMessage(status),
    member_guid: member.guid,
    user_guid: member.userGuid,
  };
}

/** AGGREGATION, VERIFICATION or HISTORY member_data_updated for a job that ended CONNECTED. */
export function memberDataUpdatedWebhook(member: MemberRecord, job: Job, userId: string | null): WebhookBody {
  const at = job.endedAt ?? 0;
  return {
    type: job.type === 'verify' ? 'VERIFICATION' : job.type === 'history' ? 'HISTORY' : 'AGGREGATION',
    action: 'member_data_updated',
    member_guid: member.guid,
    user_guid: member.userGuid,
    user_id: userId,
    completed_at: isoSeconds(at),
    completed_on: isoDate(at),
    is_background: job.background === true,
    transactions_created_count: job.type === 'verify' ? 0 : (job.transactionsCreated ?? 0),
    transactions_updated_count: job.type === 'verify' ? 0 : (job.transactionsUpdated ?? 0),
    callback_payload: member.callbackPayload ?? null,
  };
}

/** MEMBER CREATED / UPDATED / DELETED: guids and status fields only, never credentials. */
export function memberWebhook(
  action: MemberAction,
  member: MemberRecord,
  connectionStatus: string,
  userId: string | null,
): WebhookBody {
  return {
    type: 'MEMBER',
    action,
    member: {
      guid: member.guid,
      user_guid: member.userGuid,
      user_id: userId,
      institution_code: member.institution.code,
      connection_status: connectionStatus,
      is_being_aggregated: isRunning(member),
      aggregated_at: iso(member.aggregatedAt),
      successfully_aggregated_at: iso(member.successfullyAggregatedAt),
    },
    callback_payload: member.callbackPayload ?? null,
  };
}

export class WebhookEvents implements MemberEvents {
  private timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly sender: WebhookSender,
    private readonly clock: MxClock,
  ) {}

  private get enabled(): boolean {
    return !this.closed && this.store.config.webhooks !== null;
  }

  challengeIssued(member: MemberRecord): void {
    if (this.enabled) this.sender.send(connectionStatusWebhook(member, 'CHALLENGED'));
  }

  jobEnded(member: MemberRecord, job: Job): void {
    if (!this.enabled || job.endStatus === null) return;
    if (firesConnectionStatus(job.endStatus)) this.sender.send(connectionStatusWebhook(member, job.endStatus));
    // MX has no webhook for identification.
    if (job.endStatus === 'CONNECTED' && job.type !== 'identify')
      this.sender.send(memberDataUpdatedWebhook(member, job, this.userId(member)));
  }

  statusEntered(member: MemberRecord): void {
    if (this.enabled && firesConnectionStatus(member.status))
      this.sender.send(connectionStatusWebhook(member, member.status));
  }

  memberChanged(action: MemberAction, member: MemberRecord): void {
    if (this.enabled)
      this.sender.send(memberWebhook(action, member, this.store.connectionStatus(member), this.userId(member)));
  }

  settle(): void {
    if (this.enabled) this.plan();
  }

  /** Plans every member afresh (after a config change: durations or the time scale moved). */
  replan(): void {
    this.clear();
    this.plan();
  }

  clear(): void {
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  close(): void {
    this.closed = true;
    this.clear();
  }

  private userId(member: MemberRecord): string | null {
    return this.store.users.get(member.userGuid)?.id ?? null;
  }

  private plan(): void {
    if (!this.enabled) {
      this.clear();
      return;
    }
    for (const [guid, { timer }] of this.timers) {
      if (this.store.members.has(guid)) continue;
      clearTimeout(timer);
      this.timers.delete(guid);
    }
    for (const member of this.store.members.values()) this.planMember(member);
  }

  /** A timer at the member's next change; none when nothing is due. */
  private planMember(member: MemberRecord, justAdvanced = false): void {
    const at = this.store.nextChangeAt(member);
    const planned = this.timers.get(member.guid);
    if (planned && planned.at === at) return;
    if (planned) clearTimeout(planned.timer);
    this.timers.delete(member.guid);
    const now = this.clock.now();
    // Just advanced and still due: the member cannot move (nothing to wait for), so no busy loop.
    if (at === null || (justAdvanced && at <= now)) return;
    // One real ms late rather than a hair early, when the member would not have moved yet.
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(this.clock.toRealMs(at - now))) + 1);
    const timer = setTimeout(() => this.fire(member.guid), delay);
    timer.unref();
    this.timers.set(member.guid, { at, timer });
  }

  private fire(guid: string): void {
    this.timers.delete(guid);
    if (!this.enabled) return;
    const member = this.store.advanceMember(guid);
    if (member) this.planMember(member, true);
  }
}
