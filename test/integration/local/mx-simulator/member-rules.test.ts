import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isMxError, type MxError } from '#shared/mx/index.js';
import { credentialsFor, type SimulatedMx, startSimulatedMx } from '#test/support/simulated-mx.js';

let mx: SimulatedMx;

beforeAll(async () => {
  mx = await startSimulatedMx({ timeScale: 0.001, jobDurationMs: 200_000, seed: 'member-rules' });
});
afterAll(async () => mx?.close());
beforeEach(() => {
  mx.simulator.reset();
  mx.simulator.configure({ oauthWindowTtlMs: 600_000 });
});

const refusal = (promise: Promise<unknown>): Promise<MxError> =>
  promise.then(
    () => {
      throw new Error('MX accepted it');
    },
    (error: unknown) => {
      if (!isMxError(error)) throw error;
      return error;
    },
  );

/** MX's `GET …/oauth_window_uri` through mxflow's client. */
async function freshOAuthWindowUri(user: string, member: string): Promise<string> {
  return String((await mx.client.requestOAuthWindowUri(user, member)).oauth_window_uri);
}

async function newUser(): Promise<string> {
  return String((await mx.client.createUser({ id: `rules-${crypto.randomUUID()}` })).guid);
}

const createMxBankMember = async (user: string, password: string) =>
  mx.client.createMember(user, {
    member: {
      institution_code: 'mxbank',
      credentials: await credentialsFor(mx.client, 'mxbank', { username: 'mxuser', password }),
      skip_aggregation: true,
    },
  });

describe('members per user', () => {
  it('refuses the same institution with the same credentials on the same user with 409', async () => {
    const user = await newUser();
    await createMxBankMember(user, 'password');

    const again = await refusal(createMxBankMember(user, 'password'));

    expect(again.status).toBe(409);
  });

  it('refuses the 26th member of a user with a 4xx that says the limit', async () => {
    const user = await newUser();
    for (let i = 0; i < 25; i += 1) await createMxBankMember(user, `password-${i}`);

    const refused = await refusal(createMxBankMember(user, 'password-26'));

    expect(refused.status).toBe(422);
    expect(refused.mxMessage).toContain('25 members');
  });
});

describe('disabled users', () => {
  it('refuses member creation and job starts for a disabled user (403), and allows them again once enabled', async () => {
    const user = await newUser();
    const { member } = await createMxBankMember(user, 'password');
    await mx.client.updateUser(user, { is_disabled: true });

    const create = await refusal(createMxBankMember(user, 'other-password'));
    const verify = await refusal(mx.client.startJob('verify', user, String(member.guid)));
    await mx.client.updateUser(user, { is_disabled: false });
    const enabled = await createMxBankMember(user, 'other-password');

    expect(create.status).toBe(403);
    expect(create.mxMessage).toContain('disabled');
    expect(verify.status).toBe(403);
    expect(enabled.member.guid).toMatch(/^MBR-/);
  });
});

describe('OAuth windows', () => {
  async function pendingOAuthMember() {
    const user = await newUser();
    const { member } = await mx.client.createMember(user, {
      member: { institution_code: 'mx_bank_oauth', is_oauth: true, skip_aggregation: true, credentials: [] },
    });
    return { user, member: String(member.guid), uri: String(member.oauth_window_uri) };
  }

  it('shows an error page for an expired window link and does not connect; a fresh link from oauth_window_uri does', async () => {
    mx.simulator.configure({ oauthWindowTtlMs: 1_000 });
    const { user, member, uri } = await pendingOAuthMember();
    await new Promise((resolve) => setTimeout(resolve, 20)); // 20 s of MX time: past the 1 s life

    const expired = await fetch(uri);
    const stillPending = await mx.client.readMember(user, member);
    mx.simulator.configure({ oauthWindowTtlMs: 600_000 });
    const opened = await fetch(await freshOAuthWindowUri(user, member));

    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain('expired');
    expect(stillPending.connection_status).toBe('PENDING');
    expect(opened.status).toBe(200);
    expect((await mx.client.readMember(user, member)).connection_status).toBe('CONNECTED');
  });

  it('refuses referral_source APP without a client_redirect_url, a referral_source it does not know and a webview scheme that is not a scheme (400 naming them)', async () => {
    const user = await newUser();
    const oauth = { institution_code: 'mx_bank_oauth', is_oauth: true, credentials: [] };

    const noRedirect = await refusal(mx.client.createMember(user, { member: oauth, referral_source: 'APP' }));
    const unknown = await refusal(mx.client.createMember(user, { member: oauth, referral_source: 'WEBVIEW' }));
    const notScheme = await refusal(
      mx.client.createMember(user, { member: oauth, ui_message_webview_url_scheme: 'myapp://back' }),
    );
    const app = await mx.client.createMember(user, {
      member: oauth,
      referral_source: 'APP',
      client_redirect_url: 'myapp://connected',
      ui_message_webview_url_scheme: 'myapp',
      enable_app2app: false,
    });

    expect(noRedirect).toMatchObject({ status: 400, mxMessage: expect.stringContaining('client_redirect_url') });
    expect(unknown).toMatchObject({ status: 400, mxMessage: expect.stringContaining('referral_source') });
    expect(notScheme).toMatchObject({
      status: 400,
      mxMessage: expect.stringContaining('ui_message_webview_url_scheme'),
    });
    expect(app.member).toMatchObject({ connection_status: 'PENDING', oauth_window_uri: expect.any(String) });
  });

  it('refuses an OAuth window request for APP without a client_redirect_url (400), and takes one with it', async () => {
    const { user, member } = await pendingOAuthMember();

    const refused = await refusal(mx.client.requestOAuthWindowUri(user, member, { referral_source: 'APP' }));
    const issued = await mx.client.requestOAuthWindowUri(user, member, {
      referral_source: 'APP',
      client_redirect_url: 'myapp://connected',
      enable_app2app: false,
    });

    expect(refused).toMatchObject({ status: 400, mxMessage: expect.stringContaining('client_redirect_url') });
    expect(issued).toMatchObject({ guid: member, oauth_window_uri: expect.stringContaining('/oauth/authorize/') });
  });

  it("shows a person's browser the bank's consent page (Allow, Deny) without using the link; Deny makes the member DENIED", async () => {
    const { user, member, uri } = await pendingOAuthMember();

    const page = await fetch(uri, { headers: { Accept: 'text/html,application/xhtml+xml' } });
    const html = await page.text();
    const stillPending = (await mx.client.readMember(user, member)).connection_status;
    const denied = await fetch(`${uri}&outcome=deny`);

    expect(page.status).toBe(200);
    expect(html).toContain('<button type="submit">Allow</button>');
    expect(html).toContain('<button type="submit">Deny</button>');
    expect(html).toContain('name="outcome" value="deny"');
    expect(stillPending).toBe('PENDING');
    expect(denied.status).toBe(200);
    expect(await denied.text()).toContain('Access denied');
    expect((await mx.client.readMember(user, member)).connection_status).toBe('DENIED');
  });

  it('redirects to client_redirect_url only for referral_source APP, with status, member_guid and error_reason', async () => {
    const user = await newUser();
    const create = (referral_source: string) =>
      mx.client.createMember(user, {
        member: { institution_code: 'mx_bank_oauth', is_oauth: true, skip_aggregation: true, credentials: [] },
        referral_source,
        client_redirect_url: 'https://app.example/back?from=oauth',
      });
    const browser = (await create('BROWSER')).member;
    const app = (await create('APP')).member;
    const refusing = (await create('APP')).member;

    const shown = await fetch(String(browser.oauth_window_uri), { redirect: 'manual' });
    const back = await fetch(String(app.oauth_window_uri), { redirect: 'manual' });
    const backDenied = await fetch(`${refusing.oauth_window_uri}&outcome=deny`, { redirect: 'manual' });
    const query = (r: Response) => Object.fromEntries(new URL(String(r.headers.get('location'))).searchParams);

    expect(shown.status).toBe(200);
    expect(back.status).toBe(302);
    expect(query(back)).toEqual({ from: 'oauth', status: 'success', member_guid: app.guid });
    expect(backDenied.status).toBe(302);
    expect(query(backDenied)).toEqual({
      from: 'oauth',
      status: 'error',
      member_guid: refusing.guid,
      error_reason: 'DENIED',
    });
  });

  it('refuses an already used window link', async () => {
    const { uri } = await pendingOAuthMember();

    const first = await fetch(uri);
    const second = await fetch(uri);

    expect(first.status).toBe(200);
    expect(second.status).toBe(400);
  });
});

describe('OPTIONS credentials', () => {
  it('lists an OPTIONS credential with its options at pinecrest_bank', async () => {
    const credentials = await mx.client.listInstitutionCredentials('pinecrest_bank');

    expect(credentials.map((c) => c.field_type)).toEqual(['TEXT', 'PASSWORD', 'OPTIONS']);
    expect(credentials[2]).toMatchObject({
      label: 'Account type',
      options: [
        { label: 'Personal', value: 'personal' },
        { label: 'Business', value: 'business' },
      ],
    });
  });

  it("connects with an option's value and refuses a value not offered (400)", async () => {
    const user = await newUser();
    const [username, password, accountType] = await mx.client.listInstitutionCredentials('pinecrest_bank');
    const withType = (value: string) => [
      { guid: String(username!.guid), value: 'mxuser' },
      { guid: String(password!.guid), value: 'password' },
      { guid: String(accountType!.guid), value },
    ];

    const refused = await refusal(
      mx.client.createMember(user, {
        member: { institution_code: 'pinecrest_bank', credentials: withType('Personal'), skip_aggregation: true },
      }),
    );
    const created = await mx.client.createMember(user, {
      member: { institution_code: 'pinecrest_bank', credentials: withType('business'), skip_aggregation: true },
    });

    expect(refused.status).toBe(400);
    expect(created.member.guid).toMatch(/^MBR-/);
  });
});
