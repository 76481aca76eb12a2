// Counters and timings for tests and benchmarks: requests per endpoint template and status,
// status-read cadence per member (MX asks for >= 3 s between reads), job outcomes and when
// the client first noticed each job's end.

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
  /** Last X-CALLBACK-PAYLOAD per member guid (widget_urls without a member: per user guid). */
  callbackPayloads: Record<string, string>;
}

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
  }

  /** status is an HTTP code, or 'dropped' for a destroyed socket. */
  recordRequest(endpoint: string, status: number | 'dropped'): void {
    const key = String(status);
    this.total++;
    this.byStatus[key] = (this.byStatus[key] ?? 0) + 1;
    const e = (this.byEndpoint[endpoint] ??= { count: 0, byStatus: {} });
    e.count++;
    e.byStatus[key] = (e.byStatus[key] ?? 0) + 1;
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
      callbackPayloads: this.payloads,
    });
  }
}
