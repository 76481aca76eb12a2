/** The slice of OpenAPI 3.1 that buildOpenApiDocument writes; not a general OpenAPI model. */

export type JsonSchema = { [keyword: string]: unknown };
export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

export interface Reference {
  $ref: string;
}

export interface JsonContent {
  'application/json': { schema: JsonSchema };
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  content?: JsonContent;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface Operation {
  operationId: string;
  summary: string;
  tags: string[];
  /** This operation's own authorization, in place of the document's. */
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: JsonContent };
  /** Keyed by HTTP status. */
  responses: Record<string, ResponseObject | Reference>;
}

export type PathItem = Partial<Record<HttpMethod, Operation>>;

export interface Server {
  url: string;
  description?: string;
  variables?: Record<string, { default: string; description: string }>;
}

export interface ApiKeySecurityScheme {
  type: 'apiKey';
  in: 'header';
  name: string;
  description: string;
  /** How API Gateway itself marks IAM auth when it imports or exports a definition. */
  'x-amazon-apigateway-authtype'?: string;
}

export interface HttpSecurityScheme {
  type: 'http';
  scheme: 'basic';
  description: string;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: Server[];
  security: Record<string, string[]>[];
  tags: { name: string; description: string }[];
  paths: Record<string, PathItem>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, ResponseObject>;
    securitySchemes: Record<string, ApiKeySecurityScheme | HttpSecurityScheme>;
  };
}
