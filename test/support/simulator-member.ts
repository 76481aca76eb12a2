import { findInstitution } from '#local/mx-simulator/institutions.js';
import type { MemberRecord } from '#local/mx-simulator/model.js';

/** A simulator member at MX Bank as `mxuser`, CREATED and never aggregated, for the simulator's unit tests. */
export function simulatorMember(overrides: Partial<MemberRecord> = {}): MemberRecord {
  return {
    guid: 'MBR-1',
    userGuid: 'USR-1',
    id: null,
    metadata: null,
    institution: findInstitution('mxbank')!,
    institutionGuid: 'INS-1',
    isOauth: false,
    credentials: {},
    username: 'mxuser',
    password: 'password',
    backgroundAggregationIsDisabled: false,
    createdAt: 0,
    status: 'CREATED',
    aggregatedAt: null,
    successfullyAggregatedAt: null,
    isAuthenticated: false,
    processed: { accounts: false, accountNumbers: false, transactions: false },
    job: null,
    accountSet: 'default',
    accountsVisibleAt: null,
    verifiedAccountGuids: new Set(),
    transactionGatherings: [],
    historyExtendedAt: null,
    closedAccounts: new Map(),
    ownersVisible: false,
    oauth: null,
    ...overrides,
  };
}
