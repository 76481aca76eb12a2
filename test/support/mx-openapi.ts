import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

/**
 * MX's official OpenAPI description lives beside the project, in the team's shared folder;
 * it is MX's file, so it is read from there (or from MX_OPENAPI_SPEC), never copied in.
 */
const here = dirname(fileURLToPath(import.meta.url));
export const MX_OPENAPI_SPEC_PATH =
  process.env.MX_OPENAPI_SPEC ?? resolve(here, '../../../shared/mx/openapi-v20111101.yml');

export const mxSpecAvailable = (): boolean => existsSync(MX_OPENAPI_SPEC_PATH);

type Schema = Record<string, unknown>;
interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/**
 * The spec's known mistakes (see the team's MX facts): fields typed boolean that MX sends as
 * strings, and a verify that declares 200 while MX answers 202 when one already runs.
 */
const FIELD_TYPE_FIXES: Record<string, Record<string, Schema>> = {
  MemberResponse: {
    most_recent_job_guid: { type: 'string', nullable: true },
    most_recent_job_detail_text: { type: 'string', nullable: true },
  },
};
const EXTRA_STATUSES: Record<string, Record<string, string>> = {
  'post /users/{user_guid}/members/{member_guid}/verify': { '202': '200' },
};

/**
 * The spec marks no field required and allows any extra field, so a plain schema check would
 * pass an empty object. Conformance here also means: no field the spec does not name, and
 * the fields MX's guides rely on are present.
 */
const FIELDS_THE_GUIDES_USE: Record<string, string[]> = {
  UserResponse: ['guid'],
  InstitutionResponse: [
    'code',
    'name',
    'supports_account_identification',
    'supports_account_verification',
    'supports_transaction_history',
    'supports_oauth',
  ],
  CredentialResponse: ['guid', 'field_name', 'label', 'type'],
  MemberResponse: ['guid', 'user_guid', 'institution_code', 'connection_status', 'is_being_aggregated', 'is_oauth'],
  MemberStatusResponse: ['guid', 'connection_status', 'is_being_aggregated', 'is_authenticated'],
  ChallengeResponse: ['guid', 'label', 'type'],
  OAuthWindowResponse: ['guid', 'oauth_window_uri'],
  AccountResponse: ['guid', 'member_guid', 'user_guid', 'name', 'type'],
  AccountNumberResponse: [
    'guid',
    'account_guid',
    'member_guid',
    'user_guid',
    'account_number',
    'routing_number',
    'passed_validation',
  ],
  AccountOwnerResponse: ['guid', 'account_guid', 'member_guid', 'user_guid', 'owner_name'],
  TransactionResponse: [
    'guid',
    'account_guid',
    'member_guid',
    'user_guid',
    'amount',
    'date',
    'description',
    'type',
    'status',
  ],
  WidgetResponse: ['type', 'url'],
  ConnectWidgetResponse: ['guid', 'connect_widget_url'],
  PaginationResponse: ['current_page', 'per_page', 'total_entries', 'total_pages'],
};

function tightenSchemas(schemas: Record<string, Schema>): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const copy: Schema = structuredClone(schema);
    const properties = copy.properties as Record<string, Schema> | undefined;
    if (properties) {
      Object.assign(properties, FIELD_TYPE_FIXES[name] ?? {});
      copy.additionalProperties = false;
      if (FIELDS_THE_GUIDES_USE[name]) copy.required = FIELDS_THE_GUIDES_USE[name];
    }
    out[name] = copy;
  }
  return out;
}

interface ResponseCheck {
  /** The spec path the request matched, or undefined when it matches none. */
  readonly specPath: string | undefined;
  readonly errors: string[];
}

export interface MxSpecValidator {
  readonly paths: string[];
  check(method: string, pathname: string, status: number, body: unknown): ResponseCheck;
}

export function loadMxSpecValidator(): MxSpecValidator {
  const spec = parse(readFileSync(MX_OPENAPI_SPEC_PATH, 'utf8')) as Spec;
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addSchema({ $id: 'mx', components: { schemas: tightenSchemas(spec.components.schemas) } });

  // Literal segments beat placeholders: /institutions/favorites before /institutions/{code}.
  const matchers = Object.keys(spec.paths)
    .map((path) => ({
      path,
      regex: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      params: (path.match(/\{/g) ?? []).length,
    }))
    .sort((a, b) => a.params - b.params);
  const validators = new Map<string, ValidateFunction>();

  const validatorFor = (schema: Schema): ValidateFunction => {
    const key = JSON.stringify(schema);
    let validate = validators.get(key);
    if (!validate) {
      const ref = typeof schema.$ref === 'string' ? { $ref: `mx${schema.$ref}` } : schema;
      validate = ajv.compile(ref);
      validators.set(key, validate);
    }
    return validate;
  };

  return {
    paths: Object.keys(spec.paths),
    check(method, pathname, status, body) {
      const specPath = matchers.find((m) => m.regex.test(pathname))?.path;
      if (!specPath) return { specPath, errors: [`${method} ${pathname} is no path of MX's spec`] };
      const verb = method.toLowerCase();
      const operation = spec.paths[specPath]?.[verb];
      if (!operation?.responses) return { specPath, errors: [`${method} ${specPath} is no operation of MX's spec`] };
      const declared = EXTRA_STATUSES[`${verb} ${specPath}`]?.[String(status)] ?? String(status);
      const response = operation.responses[declared];
      if (!response) return { specPath, errors: [`${method} ${specPath} does not declare status ${status}`] };
      const schema = response.content ? Object.values(response.content)[0]?.schema : undefined;
      if (!schema)
        return { specPath, errors: body === undefined ? [] : [`${method} ${specPath} ${status} declares no body`] };
      const validate = validatorFor(schema);
      const valid = validate(body);
      const errors = valid
        ? []
        : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
      return { specPath, errors };
    },
  };
}
