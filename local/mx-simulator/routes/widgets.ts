// Widget URLs. The URLs point at a placeholder page of the simulator (no Connect UI).
import { badRequest, notFound } from '#local/mx-simulator/errors.js';
import type { ApiResult, RequestContext, Route } from '#local/mx-simulator/http-types.js';
import { tokenFrom } from '#local/mx-simulator/random.js';
import { isObject, optionalString } from '#local/mx-simulator/request-input.js';
import { callbackPayloadOf, recordCallbackPayload } from './member-common.js';

function widgetUrl(ctx: RequestContext, type: string, userGuid: string): string {
  const token = tokenFrom(`${ctx.store.config.seed}|widget|${ctx.store.nextGuid('WGT')}`);
  return `${ctx.baseUrl}/widgets/${encodeURIComponent(type)}/${token}?user_guid=${userGuid}`;
}

function requestWidgetUrl(ctx: RequestContext): ApiResult {
  // Atrium has no /widget_urls: its Connect URL comes from connect_widget_url.
  if (ctx.dialect === 'atrium')
    throw notFound(
      'no Atrium endpoint POST /users/{user_guid}/widget_urls; use POST /users/{user_guid}/connect_widget_url',
    );
  const user = ctx.store.user(ctx.params.user_guid!);
  callbackPayloadOf(ctx);
  const body = ctx.body;
  if (!isObject(body) || !isObject(body.widget_url))
    throw badRequest('request body must be a JSON object with a "widget_url" object');
  const type = optionalString(body.widget_url, 'widget_type');
  if (!type) throw badRequest('widget_url.widget_type is required');
  const memberGuid = optionalString(body.widget_url, 'current_member_guid');
  recordCallbackPayload(ctx, memberGuid ?? user.guid);
  return { status: 200, body: { widget_url: { type, url: widgetUrl(ctx, type, user.guid), user_id: user.id } } };
}

/** Spec: `{"config": {...}}`; Atrium's guide sends the options at the top level. Both work. */
function requestConnectWidgetUrl(ctx: RequestContext): ApiResult {
  const user = ctx.store.user(ctx.params.user_guid!);
  if (!isObject(ctx.body)) throw badRequest('request body must be a JSON object');
  if (ctx.body.config !== undefined && !isObject(ctx.body.config)) throw badRequest('config must be an object');
  return {
    status: 200,
    body: { user: { connect_widget_url: widgetUrl(ctx, 'connect_widget', user.guid), guid: user.guid } },
  };
}

export const widgetRoutes: Route[] = [
  { method: 'POST', template: '/users/{user_guid}/widget_urls', bodyRequired: true, handler: requestWidgetUrl },
  {
    method: 'POST',
    template: '/users/{user_guid}/connect_widget_url',
    bodyRequired: true,
    handler: requestConnectWidgetUrl,
  },
];
