// Users: create, list, read, update, delete. Atrium spells the partner id `identifier`.
import { badRequest, conflict } from '#local/mx-simulator/errors.js';
import type { ApiResult, RequestContext, Route } from '#local/mx-simulator/http-types.js';
import type { UserRecord } from '#local/mx-simulator/model.js';
import { pageRequest, paginate } from '#local/mx-simulator/pagination.js';
import { envelope, optionalBoolean, optionalString } from '#local/mx-simulator/request-input.js';
import { userView } from '#local/mx-simulator/views.js';

const MAX_PER_PAGE = 1000;

function readUserFields(ctx: RequestContext) {
  const u = envelope(ctx.body, 'user');
  const idKey = ctx.dialect === 'atrium' ? 'identifier' : 'id';
  return {
    given: Object.keys(u).length,
    id: optionalString(u, idKey),
    email: optionalString(u, 'email'),
    metadata: optionalString(u, 'metadata'),
    isDisabled: optionalBoolean(u, 'is_disabled'),
  };
}

function assertIdFree(ctx: RequestContext, id: string | undefined, self?: string): void {
  if (id === undefined) return;
  for (const u of ctx.store.users.values()) {
    if (u.id === id && u.guid !== self) throw conflict(`a user with id "${id}" already exists`);
  }
}

function createUser(ctx: RequestContext): ApiResult {
  const f = readUserFields(ctx);
  if (f.given === 0) throw badRequest('the user object must not be empty');
  assertIdFree(ctx, f.id);
  const user: UserRecord = {
    guid: ctx.store.nextGuid('USR'),
    id: f.id ?? null,
    email: f.email ?? null,
    metadata: f.metadata ?? null,
    isDisabled: f.isDisabled ?? false,
  };
  ctx.store.users.set(user.guid, user);
  return { status: 200, body: { user: userView(user, ctx.dialect) } };
}

function listUsers(ctx: RequestContext): ApiResult {
  const p = pageRequest(ctx.query, MAX_PER_PAGE);
  const id = ctx.query.get('id');
  const email = ctx.query.get('email');
  const users = [...ctx.store.users.values()].filter(
    (u) => (id === null || u.id === id) && (email === null || u.email === email),
  );
  const { items, pagination } = paginate(users, p);
  return { status: 200, body: { users: items.map((u) => userView(u, ctx.dialect)), pagination } };
}

function readUser(ctx: RequestContext): ApiResult {
  return { status: 200, body: { user: userView(ctx.store.user(ctx.params.user_guid!), ctx.dialect) } };
}

function updateUser(ctx: RequestContext): ApiResult {
  const user = ctx.store.user(ctx.params.user_guid!);
  const f = readUserFields(ctx);
  assertIdFree(ctx, f.id, user.guid);
  if (f.id !== undefined) user.id = f.id;
  if (f.email !== undefined) user.email = f.email;
  if (f.metadata !== undefined) user.metadata = f.metadata;
  if (f.isDisabled !== undefined) user.isDisabled = f.isDisabled;
  return { status: 200, body: { user: userView(user, ctx.dialect) } };
}

function deleteUser(ctx: RequestContext): ApiResult {
  ctx.store.deleteUser(ctx.params.user_guid!);
  return { status: 204 };
}

export const userRoutes: Route[] = [
  { method: 'POST', template: '/users', bodyRequired: true, handler: createUser },
  { method: 'GET', template: '/users', handler: listUsers },
  { method: 'GET', template: '/users/{user_guid}', handler: readUser },
  { method: 'PUT', template: '/users/{user_guid}', bodyRequired: true, handler: updateUser },
  { method: 'DELETE', template: '/users/{user_guid}', handler: deleteUser },
];
