import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MxSimulator, startMxSimulator } from '#local/mx-simulator/index.js';

let sim: MxSimulator;

beforeAll(async () => {
  sim = await startMxSimulator({ seed: 'widgets' });
});
afterAll(async () => sim.close());

const headers = (atrium = false): Record<string, string> =>
  atrium
    ? {
        'MX-API-Key': sim.apiKey,
        'MX-Client-ID': sim.clientId,
        Accept: 'application/vnd.mx.atrium.v1+json',
        'Content-Type': 'application/json',
      }
    : {
        Authorization: `Basic ${Buffer.from(`${sim.clientId}:${sim.apiKey}`).toString('base64')}`,
        Accept: 'application/vnd.mx.api.v1+json',
        'Accept-Version': 'v20111101',
        'Content-Type': 'application/json',
      };

async function post(path: string, body: unknown, atrium = false) {
  const res = await fetch(sim.url + path, { method: 'POST', headers: headers(atrium), body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as any };
}

async function newUser(): Promise<string> {
  return (await post('/users', { user: { id: `widget-${crypto.randomUUID()}` } })).json.user.guid;
}

describe('POST /users/{user_guid}/widget_urls', () => {
  it('carries the Connect options it received in the widget URL', async () => {
    const user = await newUser();

    const answer = await post(`/users/${user}/widget_urls`, {
      widget_url: {
        widget_type: 'connect_widget',
        mode: 'verification',
        color_scheme: 'browser',
        oauth_referral_source: 'APP',
        ui_message_version: 4,
        disable_background_agg: false,
      },
    });

    expect(answer.status).toBe(200);
    expect(Object.fromEntries(new URL(answer.json.widget_url.url).searchParams)).toEqual({
      mode: 'verification',
      color_scheme: 'browser',
      oauth_referral_source: 'APP',
      ui_message_version: '4',
      disable_background_agg: 'false',
      user_guid: user,
    });
  });

  it.each([
    ['color_scheme', 'purple'],
    ['oauth_referral_source', 'browser'],
    ['ui_message_version', '4'],
    ['enable_app2app', 'false'],
  ])('refuses a %s MX does not take (400 naming it)', async (field, value) => {
    const user = await newUser();

    const answer = await post(`/users/${user}/widget_urls`, {
      widget_url: { widget_type: 'connect_widget', [field]: value },
    });

    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.json)).toContain(field);
  });
});

describe('POST /users/{user_guid}/connect_widget_url (Atrium)', () => {
  it('carries the options of the config envelope in the widget URL', async () => {
    const user = (await post('/users', { user: { identifier: `widget-${crypto.randomUUID()}` } }, true)).json.user.guid;

    const answer = await post(`/users/${user}/connect_widget_url`, { config: { color_scheme: 'dark' } }, true);

    expect(answer.status).toBe(200);
    expect(new URL(answer.json.user.connect_widget_url).searchParams.get('color_scheme')).toBe('dark');
  });
});
