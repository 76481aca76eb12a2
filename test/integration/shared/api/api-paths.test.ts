import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_PATHS_FILE, generateApiTypes } from '#shared/api/generate-api-types.js';

describe('the generated API paths types', () => {
  it('are what the OpenAPI document generates now (regenerate: tsx shared/api/generate-api-types.ts)', async () => {
    const regenerated = await generateApiTypes();

    expect(readFileSync(API_PATHS_FILE, 'utf8')).toBe(regenerated);
  });
});
