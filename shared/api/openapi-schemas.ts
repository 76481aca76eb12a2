import * as z from '#shared/runtime/zod.js';
import type { JsonSchema } from './openapi-types.js';
import {
  AnswerChallengesBody,
  Challenge,
  CreateMemberBody,
  CreateUserBody,
  ErrorBody,
  Job,
  Member,
  MxPagination,
  MxRecord,
  OAuthWindowBody,
  Pagination,
  StartJobBody,
  UpdateMemberBody,
  User,
  WidgetUrlBody,
} from './schemas.js';

/** The shapes that become `components.schemas`, under the names schemas.ts exports them by. */
const NAMED = {
  User,
  Member,
  Job,
  Challenge,
  Pagination,
  MxPagination,
  MxRecord,
  ErrorBody,
  CreateUserBody,
  CreateMemberBody,
  UpdateMemberBody,
  OAuthWindowBody,
  StartJobBody,
  AnswerChallengesBody,
  WidgetUrlBody,
} satisfies Record<string, z.ZodMiniType>;

const COMPONENT_PREFIX = '#/components/schemas/';
const INLINE_PREFIX = '~inline-';

export const componentRef = (name: string) => ({ $ref: `${COMPONENT_PREFIX}${name}` });

export interface ConvertedSchemas {
  /** `components.schemas`: the named shapes. */
  components: Record<string, JsonSchema>;
  /** A `$ref` for a named shape, otherwise the schema itself (with `$ref`s to the named ones). */
  of(schema: z.ZodMiniType): JsonSchema;
}

/**
 * Converts the named shapes and the given (route) schemas in one registry pass, so zod writes
 * `$ref`s to the components wherever a route schema nests a named one. The route schemas go in
 * under throwaway ids and are taken out again to be inlined.
 *
 * `io: 'input'` throughout: query and body schemas must show what a caller sends (before
 * `.default()` and `.transform()`), and for responses, which have no transforms, the only
 * difference is that input mode leaves out `additionalProperties: false`: zod strips unknown
 * keys rather than promising there are none, and MX-style records may grow fields.
 */
export function convertSchemas(routeSchemas: Iterable<z.ZodMiniType>): ConvertedSchemas {
  const registry = z.registry<{ id: string }>();
  const names = new Map<z.ZodMiniType, string>();
  for (const [name, schema] of Object.entries(NAMED)) {
    registry.add(schema, { id: name });
    names.set(schema, name);
  }
  const inlineIds = new Map<z.ZodMiniType, string>();
  for (const schema of routeSchemas) {
    if (names.has(schema) || inlineIds.has(schema)) continue;
    const id = `${INLINE_PREFIX}${inlineIds.size}`;
    registry.add(schema, { id });
    inlineIds.set(schema, id);
  }

  // descriptions still come from zod's global registry (`z.describe()`); ids from ours
  const converted = z.toJSONSchema(registry, { io: 'input', uri: (id) => `${COMPONENT_PREFIX}${id}` }).schemas;
  const bodies = new Map<string, JsonSchema>();
  for (const [id, schema] of Object.entries(converted)) bodies.set(id, withoutRootKeywords(schema));

  const dangling = [...bodies.values()]
    .map((s) => JSON.stringify(s))
    .find((json) => json.includes(`${COMPONENT_PREFIX}${INLINE_PREFIX}`));
  if (dangling)
    throw new Error(`a route schema is nested in another schema; name it in NAMED instead: ${dangling.slice(0, 200)}`);

  const components = Object.fromEntries(Object.keys(NAMED).map((name) => [name, bodies.get(name) ?? {}]));
  return {
    components,
    of(schema) {
      const name = names.get(schema);
      if (name) return componentRef(name);
      const body = bodies.get(inlineIds.get(schema) ?? '');
      if (!body) throw new Error('schema was not passed to convertSchemas');
      // a copy per use: shared objects would come out of a YAML dump as anchors and aliases
      return structuredClone(body);
    },
  };
}

/** zod stamps `$schema` and `$id` on each registry entry; inside an OpenAPI document they are noise or wrong. */
function withoutRootKeywords(schema: object): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema as JsonSchema;
  return rest;
}
