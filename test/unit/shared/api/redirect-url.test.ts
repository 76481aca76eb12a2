import { describe, expect, it } from 'vitest';
import { parseAppSchemes, redirectUrlProblem } from '#shared/api/redirect-url.js';
import { apiHandlersOver, aUser, callApi, fakeApiDeps } from '#test/support/fakes/api-deps.js';

describe('client_redirect_url', () => {
  it.each(['https://fintech.example/back', 'HTTPS://fintech.example/back?x=1#y'])('takes %s', (url) => {
    expect(redirectUrlProblem(url, [])).toBeUndefined();
  });

  it.each([
    'http://fintech.example/back',
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'file:///etc/passwd',
    'myapp://oauth/done',
    'ftp://fintech.example/',
    'not a url',
  ])('refuses %s when no app scheme is allowed', (url) => {
    expect(redirectUrlProblem(url, [])).toBe('must be an https URL');
  });

  it('takes an allowed app scheme, any case, and refuses the others', () => {
    const schemes = parseAppSchemes('myapp, OtherApp');

    expect(redirectUrlProblem('myapp://oauth/done', schemes)).toBeUndefined();
    expect(redirectUrlProblem('OTHERAPP://done', schemes)).toBeUndefined();
    expect(redirectUrlProblem('evilapp://done', schemes)).toBe(
      'must be an https URL or use one of the app schemes myapp:, otherapp:',
    );
  });

  it.each(['http', 'javascript', 'data', 'my app', '1app', 'https'])(
    'refuses a deployment setting that names %j as an app scheme',
    (scheme) => {
      expect(() => parseAppSchemes(`myapp,${scheme}`)).toThrow(/is not an app's URL scheme/);
    },
  );

  it('reads an unset or empty setting as https only', () => {
    expect(parseAppSchemes(undefined)).toEqual([]);
    expect(parseAppSchemes(' , ')).toEqual([]);
  });
});

describe('the routes that take a client_redirect_url refuse the others before asking MX', () => {
  const deps = (schemes: readonly string[] = []) => fakeApiDeps({ users: [aUser()], clientRedirectSchemes: schemes });

  it.each([
    [
      'POST /users/{u}/members',
      '/users/USR-1/members',
      'client_redirect_url',
      (url: string) => ({
        member: { institution_code: 'mxbank', is_oauth: true },
        client_redirect_url: url,
      }),
    ],
    [
      'POST /users/{u}/widget_urls',
      '/users/USR-1/widget_urls',
      'widget_url.client_redirect_url',
      (url: string) => ({
        widget_url: { client_redirect_url: url },
      }),
    ],
  ])('%s refuses http and unlisted schemes (400 VALIDATION_FAILED naming the field)', async (_, path, field, body) => {
    for (const url of ['http://fintech.example/back', 'javascript:alert(1)', 'otherapp://done']) {
      const d = deps(['myapp']);

      const answer = await callApi(apiHandlersOver(d), 'POST', path, { json: body(url) });

      expect(answer).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', field } } });
      expect(d.mxCalls).toEqual([]);
    }
  });

  it('passes an allowed app scheme on to MX', async () => {
    const d = fakeApiDeps({
      users: [aUser()],
      clientRedirectSchemes: ['myapp'],
      mx: { requestWidgetUrl: async () => ({ type: 'connect_widget', url: 'https://widgets.example/x' }) },
    });

    const answer = await callApi(apiHandlersOver(d), 'POST', '/users/USR-1/widget_urls', {
      json: { widget_url: { client_redirect_url: 'myapp://connected' } },
    });

    expect(answer.status).toBe(200);
    expect(d.mxCalls).toEqual(['requestWidgetUrl']);
  });
});
