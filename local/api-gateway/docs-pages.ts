import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { buildOpenApiDocument } from '#shared/api/openapi.js';
import type { LocalApiGatewayOptions } from './server.js';

const swaggerUi = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const asset = (file: string) => readFileSync(join(swaggerUi, file), 'utf8');

const page = (title: string) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${title}</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body>
<div id="reference"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>window.onload = () => { window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#reference', deepLinking: true }); };</script>
</body>
</html>`;

/**
 * The API's OpenAPI document and a browsable reference (Swagger UI, served from the npm
 * package: nothing is fetched from the internet).
 */
export function docsPages(serverUrl: () => string): NonNullable<LocalApiGatewayOptions['pages']> {
  let css: string | undefined;
  let js: string | undefined;
  return {
    '/openapi.json': {
      contentType: 'application/json',
      body: () => JSON.stringify(buildOpenApiDocument({ serverUrl: serverUrl() }), null, 2),
    },
    '/docs': { contentType: 'text/html; charset=utf-8', body: () => page('mxflow API reference') },
    '/docs/swagger-ui.css': { contentType: 'text/css', body: () => (css ??= asset('swagger-ui.css')) },
    '/docs/swagger-ui-bundle.js': {
      contentType: 'text/javascript',
      body: () => (js ??= asset('swagger-ui-bundle.js')),
    },
  };
}
