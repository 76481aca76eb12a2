// Accounts, account numbers (verified accounts only; TANs for OAuth members at institutions
// that issue them) and owners (two for a joint account).

import {
  accountNumberView,
  accountOwnerViews,
  accountView,
  type GeneratedAccount,
} from '#local/mx-simulator/account-data.js';
import { isoSeconds } from '#local/mx-simulator/clock.js';
import type { ApiResult, RequestContext, Route } from '#local/mx-simulator/http-types.js';
import type { MemberRecord } from '#local/mx-simulator/model.js';
import { pageRequest, paginate } from '#local/mx-simulator/pagination.js';

function viewOf(ctx: RequestContext, member: MemberRecord, account: GeneratedAccount) {
  const visibleAt = member.accountsVisibleAt ?? member.createdAt;
  return accountView(account, {
    seed: ctx.store.config.seed,
    institutionCode: member.institution.code,
    institutionGuid: member.institutionGuid,
    memberId: member.id,
    userId: ctx.store.user(member.userGuid).id,
    createdAt: isoSeconds(visibleAt),
    updatedAt: isoSeconds(member.successfullyAggregatedAt ?? visibleAt),
  });
}

function listAccounts(ctx: RequestContext): ApiResult {
  const p = pageRequest(ctx.query, 1000);
  const { user_guid, member_guid } = ctx.params;
  const members = member_guid ? [ctx.store.member(user_guid!, member_guid)] : ctx.store.membersOf(user_guid!);
  const all = members.flatMap((m) => ctx.store.visibleAccounts(m).map((a) => ({ m, a })));
  const { items, pagination } = paginate(all, p);
  return { status: 200, body: { accounts: items.map(({ m, a }) => viewOf(ctx, m, a)), pagination } };
}

function readAccount(ctx: RequestContext): ApiResult {
  const { member, account } = ctx.store.findAccount(
    ctx.params.user_guid!,
    ctx.params.account_guid!,
    ctx.params.member_guid,
  );
  return { status: 200, body: { account: viewOf(ctx, member, account) } };
}

function numbersOf(ctx: RequestContext, member: MemberRecord, accounts: GeneratedAccount[]) {
  // As MX's accounts reference says: TANs only from OAuth connections at the banks that issue them.
  const tokenized = member.isOauth && member.institution.issuesTans;
  return accounts
    .filter((a) => member.verifiedAccountGuids.has(a.guid))
    .map((a) => accountNumberView(a, ctx.store.config.seed, tokenized));
}

function listAccountNumbersByMember(ctx: RequestContext): ApiResult {
  const p = pageRequest(ctx.query, 1000);
  const member = ctx.store.member(ctx.params.user_guid!, ctx.params.member_guid!);
  const { items, pagination } = paginate(numbersOf(ctx, member, ctx.store.visibleAccounts(member)), p);
  return { status: 200, body: { account_numbers: items, pagination } };
}

function listAccountNumbersByAccount(ctx: RequestContext): ApiResult {
  const p = pageRequest(ctx.query, 1000);
  const { member, account } = ctx.store.findAccount(ctx.params.user_guid!, ctx.params.account_guid!);
  const { items, pagination } = paginate(numbersOf(ctx, member, [account]), p);
  return { status: 200, body: { account_numbers: items, pagination } };
}

function listAccountOwners(ctx: RequestContext): ApiResult {
  const p = pageRequest(ctx.query, 1000);
  const member = ctx.store.member(ctx.params.user_guid!, ctx.params.member_guid!);
  const owners = member.ownersVisible
    ? ctx.store.visibleAccounts(member).flatMap((a) => accountOwnerViews(a, ctx.store.config.seed))
    : [];
  const { items, pagination } = paginate(owners, p);
  return { status: 200, body: { account_owners: items, pagination } };
}

export const accountRoutes: Route[] = [
  { method: 'GET', template: '/users/{user_guid}/accounts', handler: listAccounts },
  { method: 'GET', template: '/users/{user_guid}/members/{member_guid}/accounts', handler: listAccounts },
  { method: 'GET', template: '/users/{user_guid}/accounts/{account_guid}', handler: readAccount },
  { method: 'GET', template: '/users/{user_guid}/members/{member_guid}/accounts/{account_guid}', handler: readAccount },
  {
    method: 'GET',
    template: '/users/{user_guid}/members/{member_guid}/account_numbers',
    handler: listAccountNumbersByMember,
  },
  {
    method: 'GET',
    template: '/users/{user_guid}/accounts/{account_guid}/account_numbers',
    handler: listAccountNumbersByAccount,
  },
  { method: 'GET', template: '/users/{user_guid}/members/{member_guid}/account_owners', handler: listAccountOwners },
];
