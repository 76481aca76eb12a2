import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createConfig, lintFromString, type NormalizedProblem } from '@redocly/openapi-core';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument, type OpenApiDocument } from '#shared/api/openapi.js';
import type { HttpMethod, JsonSchema } from '#shared/api/openapi-types.js';
import { API_ROUTES } from '#shared/api/routes.js';
import { CreateMemberBody } from '#shared/api/schemas.js';
import { API_ERROR } from '#shared/contract/api-errors.js';

const doc = buildOpenApiDocument({ serverUrl: 'https://api.mxflow.test' });

const describeProblem = (p: NormalizedProblem) =>
  `${p.severity} ${p.ruleId} at ${p.location.map((l) => l.pointer).join(', ')}: ${p.message}`;

describe('the OpenAPI document', () => {
  it('passes the recommended lint rules without errors', async () => {
    const config = await createConfig({
      extends: ['recommended'],
      // a private API: there is no license to name
      rules: { 'info-license': 'off', 'info-license-strict': 'off' },
    });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    const errors = problems.filter((p) => p.severity === 'error');
    expect(errors, problems.map(describeProblem).join('\n')).toEqual([]);
    // the document is generated, so a warning is the generator's to fix too
    expect(problems.map(describeProblem)).toEqual([]);
  });

  it('is linted for real: a path parameter left undeclared is an error', async () => {
    const broken = structuredClone(doc);
    delete broken.paths['/users/{user_guid}']?.get?.parameters;
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(broken), absoluteRef: 'openapi.json', config });
    expect(problems.filter((p) => p.severity === 'error').map((p) => p.ruleId)).toContain('path-parameters-defined');
  });

  it('also lints without servers passed, using API Gateway URL variables', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({
      source: JSON.stringify(buildOpenApiDocument()),
      absoluteRef: 'openapi.json',
      config,
    });
    expect(problems.filter((p) => p.severity === 'error').map(describeProblem)).toEqual([]);
  });

  it('has exactly one operation per route, with its method, path and operationId', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    );
    expect(operations.sort()).toEqual(API_ROUTES.map((r) => `${r.method} ${r.path} ${r.operationId}`).sort());
  });

  it('declares every parameter of each path template, as a required path parameter', () => {
    for (const route of API_ROUTES) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase() as HttpMethod];
      const declared = (op?.parameters ?? []).filter((p) => p.in === 'path' && p.required).map((p) => p.name);
      const inTemplate = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      expect(declared.sort(), route.operationId).toEqual(inTemplate.sort());
    }
  });
});

describe('Idempotency-Key in the OpenAPI document', () => {
  it('shows the optional header, and the reused-key refusal, on member creation and the job starts only', () => {
    const withHeader = API_ROUTES.filter((route) =>
      doc.paths[route.path]?.[route.method.toLowerCase() as HttpMethod]?.parameters?.some(
        (p) => p.in === 'header' && p.name === 'Idempotency-Key' && !p.required,
      ),
    ).map((r) => r.operationId);
    const with422 = API_ROUTES.filter(
      (route) => doc.paths[route.path]?.[route.method.toLowerCase() as HttpMethod]?.responses['422'],
    ).map((r) => r.operationId);

    const starts = ['aggregateMember', 'createMember', 'historyMember', 'identifyMember', 'verifyMember'];
    expect(withHeader.sort()).toEqual(starts);
    expect(with422.sort()).toEqual(starts);
  });
});

describe('the createMember request body schema', () => {
  let validate: (body: unknown) => boolean;

  beforeAll(() => {
    const ajv = new Ajv2020({ strict: true });
    addFormats.default(ajv);
    // the body schema's refs are `#/components/schemas/…`: give ajv one root holding both
    ajv.addKeyword('components');
    ajv.addSchema(
      { components: doc.components, $defs: { body: requestBodySchema(doc, 'createMember') } },
      'openapi.json',
    );
    const compiled = ajv.getSchema('openapi.json#/$defs/body');
    if (!compiled) throw new Error('ajv did not resolve the body schema');
    validate = (body) => compiled(body) === true;
  });

  const valid = [
    {
      member: {
        institution_code: 'mxbank',
        credentials: [
          { guid: 'CRD-1', value: 'mxuser' },
          { guid: 'CRD-2', value: 'correct' },
        ],
      },
    },
    {
      member: { institution_code: 'oauth_bank', is_oauth: true, id: 'partner-7', skip_aggregation: true },
      referral_source: 'APP',
      client_redirect_url: 'https://example.org/done',
    },
  ];
  const invalid = [
    { member: { credentials: [{ guid: 'CRD-1', value: 'x' }] } },
    { member: { institution_code: 'has spaces', is_oauth: true } },
    { member: { institution_code: 'mxbank', is_oauth: true, password: 'extra key' } },
    { member: { institution_code: 'mxbank', credentials: [{ guid: 'CRD-1' }] } },
    { member: { institution_code: 'mxbank', is_oauth: true }, client_redirect_url: 'not a url' },
    {},
  ];

  it.each(valid)('accepts what zod accepts: %j', (body) => {
    expect(CreateMemberBody.safeParse(body).success).toBe(true);
    expect(validate(body)).toBe(true);
  });

  it.each(invalid)('rejects what zod rejects: %j', (body) => {
    expect(CreateMemberBody.safeParse(body).success).toBe(false);
    expect(validate(body)).toBe(false);
  });

  it('cannot carry the .refine() rule "credentials unless is_oauth": JSON Schema from zod leaves refinements out', () => {
    const body = { member: { institution_code: 'mxbank' } };
    expect(CreateMemberBody.safeParse(body).success).toBe(false);
    expect(validate(body)).toBe(true);
  });
});

/** An operation's JSON request body schema: a `$ref` to a component or inline. */
function requestBodySchema(document: OpenApiDocument, operationId: string): JsonSchema {
  const op = Object.values(document.paths)
    .flatMap((item) => Object.values(item))
    .find((o) => o.operationId === operationId);
  const schema = op?.requestBody?.content['application/json'].schema;
  if (!schema) throw new Error(`${operationId} has no JSON request body`);
  return schema;
}

describe('the OpenAPI document and the contract', () => {
  it("carries the package's version as the API's", () => {
    const packageJson = JSON.parse(readFileSync(resolve('package.json'), 'utf8')) as { version: string };

    expect(doc.info.version).toBe(packageJson.version);
  });

  it("enumerates every code of the API_ERROR catalogue as ErrorBody's code", () => {
    const errorBody = doc.components.schemas.ErrorBody as {
      properties: { error: { properties: { code: { enum: string[] } } } };
    };

    expect(errorBody.properties.error.properties.code.enum.sort()).toEqual(Object.keys(API_ERROR).sort());
  });
});
