import type { ResultKind } from '#shared/store/keys.js';
import type { ResultQuery, ResultStore, SupersededGeneration } from '#shared/store/result-store.js';

/**
 * The results store in memory, by the table's rules: rows keyed by MX guid within the generation
 * (the job) that wrote them, in the order first stored; reads see only the generation
 * publishResults made current, and a publish drops the kind's other generations (pages are not
 * cut: lists here are small).
 */
export class InMemoryResultStore implements Pick<ResultStore, keyof ResultStore> {
  private readonly rows = new Map<string, Map<string, unknown>>();
  private readonly published = new Map<string, string>();
  /** Page writes, in order: how many copies a step made. */
  writes = 0;

  async putResults(
    memberGuid: string,
    kind: ResultKind,
    jobGuid: string,
    items: readonly { guid?: string | null }[],
  ): Promise<number> {
    this.writes += 1;
    const key = generationKey(memberGuid, kind, jobGuid);
    const rows = this.rows.get(key) ?? new Map<string, unknown>();
    for (const item of items) rows.set(String(item.guid), structuredClone(item));
    this.rows.set(key, rows);
    return items.length;
  }

  async publishResults(
    memberGuid: string,
    jobGuid: string,
    kinds: readonly ResultKind[],
  ): Promise<SupersededGeneration[]> {
    for (const kind of kinds) {
      this.published.set(`${memberGuid}/${kind}`, jobGuid);
      const prefix = `${memberGuid}/${kind}/`;
      for (const key of [...this.rows.keys()])
        if (key.startsWith(prefix) && key !== generationKey(memberGuid, kind, jobGuid)) this.rows.delete(key);
    }
    return [];
  }

  async deleteSuperseded(memberGuid: string, superseded: readonly SupersededGeneration[]): Promise<[]> {
    for (const { kind, generation } of superseded) this.rows.delete(generationKey(memberGuid, kind, generation));
    return [];
  }

  /** The rows a job wrote for a member and kind, published or not (every job's, without one). */
  stored(memberGuid: string, kind: ResultKind, jobGuid?: string): unknown[] {
    const prefix = jobGuid === undefined ? `${memberGuid}/${kind}/` : generationKey(memberGuid, kind, jobGuid);
    return [...this.rows.entries()]
      .filter(([key]) => (jobGuid === undefined ? key.startsWith(prefix) : key === prefix))
      .flatMap(([, rows]) => [...rows.values()]);
  }

  async publishedGeneration(memberGuid: string, kind: ResultKind): Promise<string | undefined> {
    return this.publishedJob(memberGuid, kind);
  }

  /** The job whose rows of a kind reads see, if any. */
  publishedJob(memberGuid: string, kind: ResultKind): string | undefined {
    return this.published.get(`${memberGuid}/${kind}`);
  }

  async listResults<T>(memberGuid: string, kind: ResultKind, options: ResultQuery = {}) {
    const { accountGuid, fromDate, toDate } = options.filter ?? {};
    const items = (this.current(memberGuid, kind) as Record<string, unknown>[]).filter(
      (row) =>
        (!accountGuid || row.account_guid === accountGuid) &&
        (!fromDate || String(row.date) >= fromDate) &&
        (!toDate || String(row.date) <= toDate),
    );
    return { items: items.slice(0, options.limit ?? 100) as T[] };
  }

  async countResults(memberGuid: string, kind: ResultKind): Promise<number> {
    return this.current(memberGuid, kind).length;
  }

  private current(memberGuid: string, kind: ResultKind): unknown[] {
    const jobGuid = this.publishedJob(memberGuid, kind);
    return jobGuid === undefined ? [] : this.stored(memberGuid, kind, jobGuid);
  }
}

const generationKey = (memberGuid: string, kind: ResultKind, jobGuid: string) => `${memberGuid}/${kind}/${jobGuid}`;
