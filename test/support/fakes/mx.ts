import type {
  AccountNumberResponse,
  AccountOwnerResponse,
  AccountResponse,
  MemberResponse,
  MemberStatusResponse,
  TransactionResponse,
} from 'mx-platform-node';
import type { WorkflowMx } from '#shared/jobs/workflow-deps.js';
import { codeForStatus, MxError, type MxJobStart, type MxPage } from '#shared/mx/index.js';

type Operation = keyof WorkflowMx;

/** An MX error as the client throws it, e.g. `mxError(429, { retryAfterSeconds: 10 })`. */
export function mxError(
  status: number | 'timeout',
  details: { retryAfterSeconds?: number; mxMessage?: string } = {},
): MxError {
  if (status === 'timeout') return new MxError({ operation: 'fake', code: 'MX_TIMEOUT' });
  return new MxError({ operation: 'fake', status, code: codeForStatus(status, details.mxMessage), ...details });
}

/**
 * The MX calls the workflow steps make, in memory: one member, its status reads in turn (the
 * last one repeats), its results in pages, and errors queued per operation. Every call is
 * recorded by operation name, so a test can say which calls a step made.
 */
export class FakeMx implements WorkflowMx {
  member: MemberResponse = {
    guid: 'MBR-1',
    connection_status: 'CONNECTED',
    is_being_aggregated: false,
    is_oauth: false,
  };
  /** Read in order; the last one answers every read after it. */
  statuses: MemberStatusResponse[] = [{ connection_status: 'CONNECTED', is_being_aggregated: false }];
  /** The member MX shows once a job start is asked for (for its next readMember). */
  memberAfterStart: MemberResponse | undefined;
  startAnswer: Omit<MxJobStart, 'member'> = { httpStatus: 202, jobGuid: 'MXJ-1', alreadyRunning: false };
  accounts: AccountResponse[] = [];
  accountNumbers: AccountNumberResponse[] = [];
  accountOwners: AccountOwnerResponse[] = [];
  transactionsByAccount: Record<string, TransactionResponse[]> = {};
  pageSize = 2;
  readonly calls: Operation[] = [];
  readonly resumed: { memberGuid: string; answers: unknown }[] = [];
  private readonly failures = new Map<Operation, unknown[]>();

  /** The next calls of `operation` throw these errors, one each, before it answers again. */
  failNext(operation: Operation, ...errors: unknown[]): this {
    this.failures.set(operation, [...(this.failures.get(operation) ?? []), ...errors]);
    return this;
  }

  count(operation: Operation): number {
    return this.calls.filter((call) => call === operation).length;
  }

  async readMember(): Promise<MemberResponse> {
    this.call('readMember');
    return structuredClone(this.member);
  }

  async readMemberStatus(): Promise<MemberStatusResponse> {
    this.call('readMemberStatus');
    const status = this.statuses.length > 1 ? this.statuses.shift() : this.statuses[0];
    return structuredClone(status ?? {});
  }

  async startJob(): Promise<MxJobStart> {
    // The member changes whether MX takes the start or refuses it (a 422 from a new status).
    if (this.memberAfterStart) this.member = this.memberAfterStart;
    this.call('startJob');
    return { member: structuredClone(this.member), ...this.startAnswer };
  }

  async resumeMember(
    _userGuid: string,
    memberGuid: string,
    answers: Parameters<WorkflowMx['resumeMember']>[2],
  ): Promise<MemberResponse> {
    this.call('resumeMember');
    this.resumed.push({ memberGuid, answers });
    return structuredClone(this.member);
  }

  listMemberAccounts(_userGuid: string, _memberGuid: string, fromPage = 1): AsyncGenerator<MxPage<AccountResponse>> {
    return this.pages('listMemberAccounts', this.accounts, fromPage);
  }

  listAccountNumbersByMember(
    _userGuid: string,
    _memberGuid: string,
    fromPage = 1,
  ): AsyncGenerator<MxPage<AccountNumberResponse>> {
    return this.pages('listAccountNumbersByMember', this.accountNumbers, fromPage);
  }

  listAccountOwnersByMember(
    _userGuid: string,
    _memberGuid: string,
    fromPage = 1,
  ): AsyncGenerator<MxPage<AccountOwnerResponse>> {
    return this.pages('listAccountOwnersByMember', this.accountOwners, fromPage);
  }

  listTransactionsByAccount(
    _userGuid: string,
    accountGuid: string,
    _range: object = {},
    fromPage = 1,
  ): AsyncGenerator<MxPage<TransactionResponse>> {
    return this.pages('listTransactionsByAccount', this.transactionsByAccount[accountGuid] ?? [], fromPage);
  }

  private call(operation: Operation): void {
    this.calls.push(operation);
    const error = this.failures.get(operation)?.shift();
    if (error !== undefined) throw error;
  }

  /** MX's pages from `fromPage` on, as the client's resumed lists ask for them. */
  private async *pages<T>(operation: Operation, items: readonly T[], fromPage: number): AsyncGenerator<MxPage<T>> {
    this.call(operation);
    const totalPages = Math.max(1, Math.ceil(items.length / this.pageSize));
    for (let page = fromPage; page <= totalPages; page += 1) {
      const slice = items.slice((page - 1) * this.pageSize, page * this.pageSize);
      yield { items: structuredClone(slice), page, totalPages, totalEntries: items.length };
    }
  }
}
