import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_FUNCTION_PAGES, API_FUNCTIONS, API_ROUTES, MX_WEBHOOK_PATH } from '#shared/api/routes.js';
import { ENV } from '#shared/contract/workflow.js';
import { SYNTH_TIMEOUT_MS, synthesizedStack } from '#test/support/synthesized-template.js';

let template: Template;

beforeAll(async () => {
  ({ template } = await synthesizedStack());
}, SYNTH_TIMEOUT_MS);

/** The path of an API Gateway resource, rebuilt from the template's parent links. */
function resourcePaths(): Map<string, string> {
  const resources = template.findResources('AWS::ApiGateway::Resource');
  const paths = new Map<string, string>();
  const pathOf = (id: string): string => {
    const known = paths.get(id);
    if (known) return known;
    const { ParentId, PathPart } = (resources[id]?.Properties ?? {}) as {
      ParentId: { Ref?: string; 'Fn::GetAtt'?: string[] };
      PathPart: string;
    };
    const parent = ParentId.Ref && resources[ParentId.Ref] ? pathOf(ParentId.Ref) : '';
    const path = `${parent}/${PathPart}`;
    paths.set(id, path);
    return path;
  };
  for (const id of Object.keys(resources)) pathOf(id);
  return paths;
}

describe('the HTTPS API the stack deploys', () => {
  it("has exactly the routes of the route table, each behind IAM authorization but MX's webhook route", () => {
    const paths = resourcePaths();
    const methods = Object.values(template.findResources('AWS::ApiGateway::Method')).map(
      (m) => m.Properties as { HttpMethod: string; ResourceId: { Ref: string }; AuthorizationType: string },
    );

    const deployed = methods.map((m) => `${m.HttpMethod} ${paths.get(m.ResourceId.Ref) ?? '/'}`).sort();

    expect(deployed).toEqual(API_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    const open = methods.filter((m) => m.AuthorizationType !== 'AWS_IAM');
    expect(open.map((m) => `${m.HttpMethod} ${paths.get(m.ResourceId.Ref)} ${m.AuthorizationType}`)).toEqual([
      `POST ${MX_WEBHOOK_PATH} NONE`,
    ]);
  });

  it("lets only the functions that call MX read its secret, and only the webhook route's the webhook secret", () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: Match.arrayWith(['secretsmanager:GetSecretValue']) }),
          ]),
        },
      },
    });

    const secretsOf = (policy: { [key: string]: unknown }) =>
      JSON.stringify(
        (
          policy.Properties as { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } }
        ).PolicyDocument.Statement.filter((st) =>
          JSON.stringify(st.Action).includes('secretsmanager:GetSecretValue'),
        ).map((st) => st.Resource),
      );
    const readers = Object.values(policies).flatMap((p) =>
      (p.Properties as { Roles: { Ref: string }[] }).Roles.map((r) => ({ role: r.Ref, secrets: secretsOf(p) })),
    );
    const apiReaders = readers.filter((r) => r.role.startsWith('Http'));
    const webhookRoute = apiReaders.filter((r) => r.role.includes('webhooks'));

    // Results call no MX: the one secret they read seals their cursors.
    expect(readers.filter((r) => r.role.includes('results')).map((r) => r.secrets)).toEqual([
      expect.not.stringContaining('MxSecret'),
    ]);
    expect(apiReaders.filter((r) => r.secrets.includes('MxSecret')).length).toBe(4);
    expect(webhookRoute.map((r) => r.secrets)).toEqual([expect.stringContaining('MxWebhooksCredentials')]);
    expect(webhookRoute[0]?.secrets).not.toContain('MxSecret');
  });

  it('generates a cursor key read only by the functions that hand out cursors, which are told where it is', () => {
    const [keyId, ...others] = Object.keys(
      template.findResources('AWS::SecretsManager::Secret', {
        Properties: { GenerateSecretString: { GenerateStringKey: 'key', PasswordLength: 64 } },
      }),
    );
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      JSON.stringify(p.Properties).includes(`"Ref":"${keyId}"`),
    );
    const readers = policies.flatMap((p) => (p.Properties as { Roles: { Ref: string }[] }).Roles.map((r) => r.Ref));
    const functions = template.findResources('AWS::Lambda::Function');
    const told = Object.entries(functions)
      .filter(([, f]) => JSON.stringify(f.Properties).includes(ENV.cursorSecretId))
      .map(([id]) => id);

    expect(keyId).toEqual(expect.any(String));
    expect(others).toEqual([]);
    const paging = API_FUNCTIONS.filter((f) => API_FUNCTION_PAGES[f]);
    expect(readers.map((role) => paging.find((f) => role.includes(`${f}Function`)) ?? role).sort()).toEqual(paging);
    expect(told.map((id) => paging.find((f) => id.includes(`${f}Function`)) ?? id).sort()).toEqual(paging);
  });

  it('throttles the stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'test',
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 })]),
    });
  });
});
