// Writes shared/api/generated/api-paths.ts, the `paths` types of the API's own OpenAPI document,
// which the typed API client is built on. Run it after changing a route or a schema:
//   tsx shared/api/generate-api-types.ts
// (an integration test regenerates it in memory and fails when the committed file differs).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS from 'openapi-typescript';
import { buildOpenApiDocument } from './openapi.js';

export const API_PATHS_FILE = fileURLToPath(new URL('generated/api-paths.ts', import.meta.url));

const HEADER = [
  "// Generated from the API's OpenAPI document (shared/api/openapi.ts) by openapi-typescript.",
  '// Do not edit: run `tsx shared/api/generate-api-types.ts` after changing a route or a schema.',
  '',
].join('\n');

/** The generated file's text, from the document as the code builds it now. */
export async function generateApiTypes(): Promise<string> {
  const document = buildOpenApiDocument({ serverUrl: 'https://api.mxflow.example' });
  const types = await openapiTS(document as never, { alphabetize: true });
  return `${HEADER}${types}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(API_PATHS_FILE, await generateApiTypes());
  console.log(`wrote ${API_PATHS_FILE}`);
}
