// Widget URLs. The URLs point at a placeholder page of the simulator (no Connect UI).
import { badRequest, notFound } from '#local/mx-simulator/errors.js';
import type { ApiResult, RequestContext, Route } from '#local/mx-simulator/http-types.js';
import { tokenFrom } from '#local/mx-simulator/random.js';
import { isObject, type JsonObject, optionalBoolean, optionalString } from '#local/mx-simulator/request-input.js';
import { callbackPayloadOf, recordCallbackPayload } from './member-common.js';

const BOOLEAN_OPTIONS = [
  'disable_background_agg',
  'disable_institution_search',
  'enable_app2app',
  'include_identity',
  'include_transactions',
  'is_mobile_webview',
  'update_credentials',
] as const;
const ENUM_OPTIONS = {
  color_scheme: ['light', 'browser', 'dark'],
  oauth_referral_source: ['BROWSER', 'APP'],
} as const;

/** Checks the Connect options as MX types them; the URL carries them so a caller can see what MX received. */
function connectOptions(options: JsonObject): URLSearchParams {
  const query = new URLSearchParams();
  for (const key of BOOLEAN_OPTIONS) {
    const value = optionalBoolean(options, key);
    if (value !== undefined) query.set(key, String(value));
  }
  for (const [key, allowed] of Object.entries(ENUM_OPTIONS)) {
    const value = optionalString(options, key);
    if (value === undefined) continue;
    if (!(allowed as readonly string[]).includes(value))
      throw badRequest(`${key} must be one of ${allowed.join(', ')}`);
    query.set(key, value);
  }
  const version = options.ui_message_version;
  if (version !== undefined && version !== null) {
    if (!Number.isInteger(version)) throw badRequest('ui_message_version must be an integer');
    query.set('ui_message_version', String(version));
  }
  const mode = optionalString(options, 'mode');
  if (mode !== undefined) query.set('mode', mode);
  return query;
}

function widgetUrl(ctx: RequestContext, type: string, userGuid: string, options: JsonObject = {}): string {
  const token = tokenFrom(`${ctx.store.config.seed}|widget|${ctx.store.nextGuid('WGT')}`);
  const query = connectOptions(options);
  query.set('user_guid', userGuid);
  return `${ctx.baseUrl}/widgets/${encodeURIComponent(type)}/${token}?${query}`;
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
  const url = widgetUrl(ctx, type, user.guid, body.widget_url);
  return { status: 200, body: { widget_url: { type, url, user_id: user.id } } };
}

/** Spec: `{"config": {...}}`; Atrium's guide sends the options at the top level. Both work. */
function requestConnectWidgetUrl(ctx: RequestContext): ApiResult {
  const user = ctx.store.user(ctx.params.user_guid!);
  if (!isObject(ctx.body)) throw badRequest('request body must be a JSON object');
  if (ctx.body.config !== undefined && !isObject(ctx.body.config)) throw badRequest('config must be an object');
  return {
    status: 200,
    body: {
      user: {
        connect_widget_url: widgetUrl(
          ctx,
          'connect_widget',
          user.guid,
          isObject(ctx.body.config) ? ctx.body.config : ctx.body,
        ),
        guid: user.guid,
      },
    },
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
