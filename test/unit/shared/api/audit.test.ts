import { describe, expect, it } from 'vitest';
import { auditEventOf } from '#shared/api/audit.js';

const identity = {
  userArn: 'arn:aws:sts::111122223333:assumed-role/backend/session-1',
  caller: 'AROAEXAMPLE:session-1',
  accountId: '111122223333',
};
const params = { user_guid: 'USR-1', member_guid: 'MBR-1' };
const numbers = { account_numbers: [{ account_number: '2925989810' }, { account_number: '9988776655' }] };

describe('audit events', () => {
  it('name the caller, the user and member, the route and the count of a read of account numbers, not the numbers', () => {
    const event = auditEventOf('listAccountNumbers', identity, params, { status: 200, body: numbers });

    expect(event).toEqual({
      principal_arn: identity.userArn,
      caller: identity.caller,
      account_id: '111122223333',
      user_guid: 'USR-1',
      member_guid: 'MBR-1',
      route: 'listAccountNumbers',
      records: 2,
    });
    expect(JSON.stringify(event)).not.toContain('2925989810');
  });

  it('count the owners of a read of account owners, an empty page too', () => {
    const owners = auditEventOf('listAccountOwners', identity, params, { status: 200, body: { account_owners: [] } });

    expect(owners).toMatchObject({ route: 'listAccountOwners', records: 0 });
  });

  it('leave the caller null where no IAM identity came (none in AWS: every such route is signed)', () => {
    expect(auditEventOf('listAccountNumbers', undefined, params, { status: 200, body: numbers })).toMatchObject({
      principal_arn: null,
      caller: null,
      account_id: null,
    });
  });

  it('are not made for other routes, nor for a read that was refused', () => {
    expect(auditEventOf('listAccounts', identity, params, { status: 200, body: { accounts: [{}] } })).toBeUndefined();
    expect(auditEventOf('listAccountNumbers', identity, params, { status: 404, body: {} })).toBeUndefined();
  });
});
