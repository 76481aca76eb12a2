import type { UserResponse } from 'mx-platform-node';
import { notFound } from '#shared/api/api-error.js';
import type { FamilyOperations } from '#shared/api/operation.js';
import { knownUser } from '#shared/api/ownership.js';
import { checkRedirectUrl } from '#shared/api/redirect-url.js';
import { deletionView, userView } from '#shared/api/views.js';
import { isMxError, MxError } from '#shared/mx/index.js';
import type { ApiDeps } from '#shared/runtime/api-runtime.js';
import { deletionLocation, startDeletion } from './deletion-start.js';

/** MX's user with this id, when MX already has one (created elsewhere, or by a racing request). */
async function mxUserWithId(deps: ApiDeps, id: string) {
  for await (const page of (await deps.mx()).listUsers({ id })) {
    const found = page.items.find((u) => u.id === id);
    if (found) return found;
  }
  return undefined;
}

export const userOperations = {
  /** Creating a user twice with the same id answers the first one: never a second user. */
  createUser: async (deps, { body: { user } }) => {
    const existing = user.id ? await deps.users.findByCallerId(user.id) : undefined;
    if (existing) return { status: 200, body: { user: userView(existing) } };
    const mx = await deps.mx();
    let created: UserResponse | undefined;
    try {
      created = await mx.createUser(user);
    } catch (error) {
      if (!(isMxError(error) && error.code === 'MX_CONFLICT' && user.id)) throw error;
      created = await mxUserWithId(deps, user.id);
      if (!created) throw error;
    }
    const stored = await deps.users.putUser({
      guid: String(created.guid),
      id: created.id ?? null,
      email: created.email ?? null,
      metadata: created.metadata ?? null,
      created_at: deps.now().toISOString(),
    });
    return { status: stored.created ? 201 : 200, body: { user: userView(stored.user) } };
  },

  readUser: async (deps, { params }) => {
    const user = await deps.users.getUser(params.user_guid);
    if (!user) throw notFound('user', 'user_guid');
    return { status: 200, body: { user: userView(user) } };
  },

  /**
   * Deletes the user asynchronously: 202 with the deletion to follow. Its running jobs are
   * cancelled (not refused), MX deletes the user, and every item mxflow holds for it is purged.
   */
  deleteUser: async (deps, { params }) => {
    const user = await knownUser(deps, params.user_guid);
    const members = await deps.members.listMembers(user.guid);
    const deletion = await startDeletion(deps, {
      scope: 'user',
      userGuid: user.guid,
      memberGuids: members.map((member) => member.guid),
      underway: user.deletion_guid,
    });
    return {
      status: 202,
      body: { deletion: deletionView(deletion) },
      headers: { Location: deletionLocation(deletion.deletion_guid) },
    };
  },

  readDeletion: async (deps, { params }) => {
    const deletion = await deps.deletions.getDeletion(params.deletion_guid);
    if (!deletion) throw notFound('deletion', 'deletion_guid');
    return { status: 200, body: { deletion: deletionView(deletion) } };
  },

  requestWidgetUrl: async (deps, { params, body: { widget_url } }) => {
    checkRedirectUrl(widget_url.client_redirect_url, deps.clientRedirectSchemes, 'widget_url.client_redirect_url');
    const user = await knownUser(deps, params.user_guid);
    const mx = await deps.mx();
    // Atrium has no /widget_urls: its Connect URL comes from connect_widget_url, same settings.
    if (mx.dialect === 'atrium') {
      const { widget_type, ...settings } = widget_url;
      const { connect_widget_url } = await mx.requestConnectWidgetUrl(user.guid, settings);
      if (typeof connect_widget_url !== 'string' || connect_widget_url === '') {
        throw new MxError({
          operation: 'requestConnectWidgetUrl',
          code: 'MX_INVALID_RESPONSE',
          mxMessage: '"user.connect_widget_url" is not a string',
        });
      }
      return { status: 200, body: { widget_url: { type: widget_type, url: connect_widget_url } } };
    }
    const widget = await mx.requestWidgetUrl(user.guid, widget_url);
    return { status: 200, body: { widget_url: { type: widget.type ?? null, url: String(widget.url) } } };
  },
} satisfies FamilyOperations<'users'>;
