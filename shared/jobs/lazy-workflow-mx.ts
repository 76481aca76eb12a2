import type { MxClient } from '#shared/mx/index.js';
import type { WorkflowMx } from './workflow-deps.js';

/**
 * The workflow steps' MX client, made on the step's first MX call. Making it reads the MX secret,
 * which only the functions that call MX may read (`callsMx`): a step that calls no MX (parking,
 * recording the end, deleting old results) must never read it, or its role's AccessDenied would
 * fail every job in AWS.
 */
export function lazyWorkflowMx(connect: () => Promise<MxClient>): WorkflowMx {
  let client: Promise<MxClient> | undefined;
  const mx = () => (client ??= connect());
  async function* pages<T>(open: (client: MxClient) => AsyncGenerator<T>): AsyncGenerator<T> {
    yield* open(await mx());
  }
  return {
    readMember: async (...args) => (await mx()).readMember(...args),
    readMemberStatus: async (...args) => (await mx()).readMemberStatus(...args),
    startJob: async (...args) => (await mx()).startJob(...args),
    resumeMember: async (...args) => (await mx()).resumeMember(...args),
    listMemberAccounts: (...args) => pages((c) => c.listMemberAccounts(...args)),
    listAccountNumbersByMember: (...args) => pages((c) => c.listAccountNumbersByMember(...args)),
    listAccountOwnersByMember: (...args) => pages((c) => c.listAccountOwnersByMember(...args)),
    listTransactionsByAccount: (...args) => pages((c) => c.listTransactionsByAccount(...args)),
  };
}
