import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, MX_WEBHOOK_PATH } from '#shared/api/routes.js';
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

    expect(readers.some((r) => r.role.includes('results'))).toBe(false);
    expect(apiReaders.filter((r) => r.secrets.includes('MxSecret')).length).toBe(4);
    expect(webhookRoute.map((r) => r.secrets)).toEqual([expect.stringContaining('MxWebhooksCredentials')]);
    expect(webhookRoute[0]?.secrets).not.toContain('MxSecret');
  });

  it('throttles the stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'test',
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 })]),
    });
  });
});
