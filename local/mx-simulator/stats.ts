// Counters and timings for tests and benchmarks: requests per endpoint template and status,
// status-read cadence per member (MX asks for >= 3 s between reads), job outcomes and when
// the client first noticed each job's end, and whether clients stayed away from a member for
// as long as a 429's Retry-After asked.

export interface EndpointStats {
  count: number;
  byStatus: Record<string, number>;
}

export interface JobRecord {
  jobGuid: string;
  memberGuid: string;
  userGuid: string;
  /** aggregate | verify | identify */
  type: string;
  /** MX epoch ms. */
  startedAt: number;
  /** MX epoch ms at which the job ended (computed exactly, even though evaluated lazily). */
  endedAt: number | null;
  endStatus: string | null;
  /** MX epoch ms of the first status/member read at or after endedAt. */
  noticedAt: number | null;
  /** noticedAt - endedAt in MX ms: how long the client took to notice the end. */
  noticeDelayMs: number | null;
}

export interface MemberReadStats {
  reads: number;
  /** Smallest MX-ms gap between two consecutive GET …/status of this member. */
  minGapMs: number | null;
  lastReadAt: number;
}

/** One 429 answered to a request naming a member, and when that member was next asked for. */
interface RateLimitRecord {
  /** MX epoch ms of the 429. */
  limitedAt: number;
  /** What its Retry-After asked for, in MX ms. */
  retryAfterMs: number;
  /** MX epoch ms of the member's next request (any endpoint naming it), null until one came. */
  nextRequestAt: number | null;
}

export interface MemberRateLimitStats {
  limited: number;
  /** Next requests that came sooner than the Retry-After asked. */
  early: number;
  after429: RateLimitRecord[];
}

/** What became of the webhooks MX sent (webhooks.ts). */
export interface WebhookCounts {
  /** Webhooks MX sent: one per event, whatever became of it. */
  sent: number;
  /** HTTP POSTs made: first attempts, retries and duplicates. */
  attempts: number;
  /** Attempts answered 2xx (a duplicated webhook delivered twice counts 2). */
  delivered: number;
  /** Attempts after a failed one (non-2xx answer or connection error). */
  retried: number;
  /** Deliveries given up after the last of MX's 12 attempts failed. */
  failed: number;
  /** Lost on purpose (webhookFaults.dropRate): never attempted, never retried. */
  dropped: number;
  /** Sent twice on purpose (webhookFaults.duplicateRate). */
  duplicated: number;
  /** Held back and sent after a later webhook (webhookFaults.reorderRate). */
  reordered: number;
}

export interface SimulatorStats {
  /** MX time now, epoch ms and ISO. */
  mxNow: number;
  mxNowIso: string;
  timeScale: number;
  requests: {
    total: number;
    byStatus: Record<string, number>;
    /** Key: `METHOD /path/{template}`, e.g. `GET /users/{user_guid}/members/{member_guid}/status`. */
    byEndpoint: Record<string, EndpointStats>;
  };
  faults: { injected429: number; injected500: number; injected503: number; dropped: number };
  statusReads: {
    /** Smallest gap over all members (MX ms), null until some member was read twice. */
    minGapMs: number | null;
    byMember: Record<string, MemberReadStats>;
  };
  jobs: JobRecord[];
  /** 429s to requests whose path names a member (`{member_guid}`), and what came next. */
  rateLimits: {
    limited: number;
    early: number;
    /** Smallest MX-ms gap between a 429 and the member's next request, null until one came. */
    minGapMs: number | null;
    byMember: Record<string, MemberRateLimitStats>;
  };
  /** Last X-CALLBACK-PAYLOAD per member guid (widget_urls without a member: per user guid). */
  callbackPayloads: Record<string, string>;
  /** Webhook counts, all types together and per type (`CONNECTION_STATUS`, `AGGREGATION`, ...). */
  webhooks: WebhookCounts & { byType: Record<string, WebhookCounts> };
}

const noWebhooks = (): WebhookCounts => ({
  sent: 0,
  attempts: 0,
  delivered: 0,
  retried: 0,
  failed: 0,
  dropped: 0,
  duplicated: 0,
  reordered: 0,
});

export class StatsRecorder {
  private total = 0;
  private byStatus: Record<string, number> = {};
  private byEndpoint: Record<string, EndpointStats> = {};
  private faultCounts = { injected429: 0, injected500: 0, injected503: 0, dropped: 0 };
  private reads: Record<string, MemberReadStats> = {};
  private jobs: JobRecord[] = [];
  private jobsByGuid = new Map<string, JobRecord>();
  /** Ended jobs per member that no read has noticed yet (keeps reads O(1) amortised). */
  private unnoticed = new Map<string, JobRecord[]>();
  private payloads: Record<string, string> = {};
  private limits: Record<string, MemberRateLimitStats> = {};
  private webhookTotals = noWebhooks();
  private webhooksByType: Record<string, WebhookCounts> = {};

  reset(): void {
    this.total = 0;
    this.byStatus = {};
    this.byEndpoint = {};
    this.faultCounts = { injected429: 0, injected500: 0, injected503: 0, dropped: 0 };
    this.reads = {};
    this.jobs = [];
    this.jobsByGuid.clear();
    this.unnoticed.clear();
    this.payloads = {};
    this.limits = {};
    this.webhookTotals = noWebhooks();
    this.webhooksByType = {};
  }

  recordWebhook(type: string, counter: keyof WebhookCounts): void {
    this.webhookTotals[counter]++;
    this.webhooksByType[type] ??= noWebhooks();
    this.webhooksByType[type][counter]++;
  }

  /** status is an HTTP code, or 'dropped' for a destroyed socket. */
  recordRequest(endpoint: string, status: number | 'dropped'): void {
    const key = String(status);
    this.total++;
    this.byStatus[key] = (this.byStatus[key] ?? 0) + 1;
    this.byEndpoint[endpoint] ??= { count: 0, byStatus: {} };
    const e = this.byEndpoint[endpoint];
    e.count++;
    e.byStatus[key] = (e.byStatus[key] ?? 0) + 1;
  }

  /** Requests answered at `endpoint`, or only those answered `status`: one counter, no snapshot. */
  requestCount(endpoint: string, status?: number): number {
    const answered = this.byEndpoint[endpoint];
    return (status === undefined ? answered?.count : answered?.byStatus[String(status)]) ?? 0;
  }

  recordFault(kind: 429 | 500 | 503 | 'drop'): void {
    if (kind === 'drop') this.faultCounts.dropped++;
    else this.faultCounts[`injected${kind}`]++;
  }

  recordStatusRead(memberGuid: string, mxNow: number): void {
    const r = this.reads[memberGuid];
    if (!r) {
      this.reads[memberGuid] = { reads: 1, minGapMs: null, lastReadAt: mxNow };
      return;
    }
    const gap = mxNow - r.lastReadAt;
    r.reads++;
    r.minGapMs = r.minGapMs === null ? gap : Math.min(r.minGapMs, gap);
    r.lastReadAt = mxNow;
  }

  /**
   * A request naming a member arrived (before any fault); `retryAfterMs` when it is answered
   * 429. The first request after a 429 shows whether the client waited as asked.
   */
  recordMemberRequest(memberGuid: string, mxNow: number, retryAfterMs: number | null): void {
    const m = this.limits[memberGuid];
    const last = m?.after429.at(-1);
    if (m && last && last.nextRequestAt === null) {
      last.nextRequestAt = mxNow;
      if (mxNow - last.limitedAt < last.retryAfterMs) m.early++;
    }
    if (retryAfterMs === null) return;
    this.limits[memberGuid] ??= { limited: 0, early: 0, after429: [] };
    const entry = this.limits[memberGuid];
    entry.limited++;
    entry.after429.push({ limitedAt: mxNow, retryAfterMs, nextRequestAt: null });
  }

  recordCallbackPayload(key: string, payload: string): void {
    this.payloads[key] = payload;
  }

  jobStarted(record: Omit<JobRecord, 'endedAt' | 'endStatus' | 'noticedAt' | 'noticeDelayMs'>): void {
    const job: JobRecord = { ...record, endedAt: null, endStatus: null, noticedAt: null, noticeDelayMs: null };
    this.jobs.push(job);
    this.jobsByGuid.set(job.jobGuid, job);
  }

  jobEnded(jobGuid: string, endedAt: number, endStatus: string): void {
    const j = this.jobsByGuid.get(jobGuid);
    if (!j) return;
    Object.assign(j, { endedAt, endStatus });
    const list = this.unnoticed.get(j.memberGuid) ?? [];
    list.push(j);
    this.unnoticed.set(j.memberGuid, list);
  }

  /** A client read the member's state: the first such read after a job ended "notices" it. */
  memberObserved(memberGuid: string, mxNow: number): void {
    const list = this.unnoticed.get(memberGuid);
    if (!list) return;
    for (const j of list) {
      j.noticedAt = mxNow;
      j.noticeDelayMs = mxNow - (j.endedAt ?? mxNow);
    }
    this.unnoticed.delete(memberGuid);
  }

  private rateLimitSummary(): SimulatorStats['rateLimits'] {
    const members = Object.values(this.limits);
    const gaps = members.flatMap((m) =>
      m.after429.flatMap((r) => (r.nextRequestAt === null ? [] : [r.nextRequestAt - r.limitedAt])),
    );
    return {
      limited: members.reduce((n, m) => n + m.limited, 0),
      early: members.reduce((n, m) => n + m.early, 0),
      minGapMs: gaps.length ? Math.min(...gaps) : null,
      byMember: this.limits,
    };
  }

  snapshot(mxNow: number, timeScale: number): SimulatorStats {
    const gaps = Object.values(this.reads)
      .map((r) => r.minGapMs)
      .filter((g): g is number => g !== null);
    return structuredClone({
      mxNow,
      mxNowIso: new Date(mxNow).toISOString(),
      timeScale,
      requests: { total: this.total, byStatus: this.byStatus, byEndpoint: this.byEndpoint },
      faults: this.faultCounts,
      statusReads: { minGapMs: gaps.length ? Math.min(...gaps) : null, byMember: this.reads },
      jobs: this.jobs,
      rateLimits: this.rateLimitSummary(),
      callbackPayloads: this.payloads,
      webhooks: { ...this.webhookTotals, byType: this.webhooksByType },
    });
  }
}
