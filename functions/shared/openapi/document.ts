import * as z from 'zod';
import { API_PREFIX, ROUTES, type Route } from '#shared/routes';
import { BUSINESS_OPERATIONS } from './operations-business';
import { RECONCILIATION_OPERATIONS } from './operations-reconciliation';
import { TRANSACTION_OPERATIONS } from './operations-transactions';
import { IDENTITY_OPERATIONS, SYSTEM_OPERATIONS, problemSchema, type OperationSchemas } from './operations-system';

/**
 * The OpenAPI 3.1 document, generated from the route table and the very zod schemas the handlers validate with
 * (OpenAPI 3.1 uses JSON Schema 2020-12, which `z.toJSONSchema` emits). A test checks that every route appears and
 * nothing else does.
 */
export const OPERATIONS: Record<string, OperationSchemas> = {
  ...SYSTEM_OPERATIONS,
  ...IDENTITY_OPERATIONS,
  ...BUSINESS_OPERATIONS,
  ...TRANSACTION_OPERATIONS,
  ...RECONCILIATION_OPERATIONS,
};

const ERROR_STATUSES: Record<number, string> = {
  400: 'Malformed request or validation error',
  401: 'Missing or invalid bearer token',
  403: 'Not allowed for this role, or MFA required',
  404: 'Not found (or not visible to this tenant)',
  409: 'Conflict, or the same Idempotency-Key is in flight',
  413: 'Body too large',
  415: 'Body is not JSON',
  422: 'Business rule refused the request, or Idempotency-Key reused with another body',
  429: 'Rate limit exceeded',
  502: 'Abhi answered with an error',
  503: 'A dependency is unavailable (Abhi circuit open or rate limited, the database); retry after Retry-After',
  504: 'Abhi did not answer in time',
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
}

function parameters(route: Route, ops: OperationSchemas): unknown[] {
  const result: unknown[] = [];
  for (const [location, schema] of [['path', ops.params], ['query', ops.query]] as const) {
    if (!schema) continue;
    const shape = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, property] of Object.entries(shape.properties ?? {})) {
      result.push({ name, in: location, required: location === 'path' || (shape.required ?? []).includes(name), schema: property });
    }
  }
  // Path parameters named in the route but not described by a schema still have to be declared.
  for (const match of route.path.matchAll(/\{(\w+)\}/g)) {
    if (!result.some((p) => (p as { name: string; in: string }).name === match[1] && (p as { in: string }).in === 'path')) {
      result.push({ name: match[1], in: 'path', required: true, schema: { type: 'string' } });
    }
  }
  if (route.idempotency !== 'none') {
    result.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: route.idempotency === 'required',
      schema: { type: 'string', minLength: 8, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' },
      description: 'Same key and body replay the first response; the same key with another body is refused (422).',
    });
  }
  return result;
}

export function buildOpenApiDocument(serverUrl = API_PREFIX): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const ops = OPERATIONS[route.id];
    if (!ops) throw new Error(`Route ${route.id} has no OpenAPI operation: add its schemas to functions/shared/openapi/.`);
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(ops.responses)) {
      responses[status] = {
        description: Number(status) < 300 ? 'Success' : (ERROR_STATUSES[Number(status)] ?? 'Error'),
        content: { 'application/json': { schema: jsonSchema(schema, 'output') } },
      };
    }
    const problem = { content: { 'application/problem+json': { schema: jsonSchema(problemSchema, 'output') } } };
    const jwtStatuses = [400, 401, 403, 404, ...(route.idempotency !== 'none' ? [409] : []), 413, 415, 422, 429, 502, 503, 504];
    const errorStatuses = route.auth === 'public' ? [400] : route.auth === 'jwt' ? jwtStatuses : [400, 401, 413, 415];
    for (const status of errorStatuses) responses[String(status)] ??= { description: ERROR_STATUSES[status], ...problem };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      operationId: route.id,
      summary: route.summary,
      tags: [route.tag],
      ...(route.auth === 'jwt' ? { security: [{ bearer: [] }], 'x-roles': route.roles } : { security: [] }),
      'x-rate-limit-class': route.rateLimitClass,
      parameters: parameters(route, ops),
      ...(ops.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(ops.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Abhi earned wage access platform API',
      version: '1.0.0',
      description: 'Employees, salary advances, repayments and organizations on top of the Abhi Open API. Errors are RFC 9457 problem+json.',
    },
    servers: [{ url: serverUrl }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  };
}
