import * as z from '#shared/zod';
import { API_PREFIX, ROUTES, type Route } from '#shared/routes';
import type { SchemaCatalog } from '#shared/schemas/catalog';
import { EMPLOYEE_REQUESTS, employeeResponses } from '#shared/schemas/employees';
import { IDENTITY_REQUESTS, identityResponses } from '#shared/schemas/identity';
import { JOB_REQUESTS, jobResponses } from '#shared/schemas/jobs';
import { MASTER_DATA_REQUESTS, masterDataResponses } from '#shared/schemas/master-data';
import { ORGANIZATION_REQUESTS, organizationResponses } from '#shared/schemas/organizations';
import { RECONCILIATION_REQUESTS, reconciliationResponses } from '#shared/schemas/reconciliation';
import { REPORT_REQUESTS, reportResponses } from '#shared/schemas/reports';
import { systemResponses } from '#shared/schemas/system';
import { TRANSACTION_REQUESTS, transactionResponses } from '#shared/schemas/transactions';
import { OPERATION_DESCRIPTIONS } from './descriptions';
import { exampleOf, type JsonSchema } from './examples';

/**
 * The OpenAPI 3.1 document, generated from the route table and the very zod schemas the handlers validate with: a
 * route names its schemas, every named schema the document uses is a component (`#/components/schemas/<name>`,
 * JSON Schema 2020-12 from `z.toJSONSchema`), and operations refer to them with `$ref` (ADR 0026).
 */
const CATALOGS: readonly SchemaCatalog<Readonly<Record<string, z.core.$ZodType>>>[] = [
  systemResponses(),
  IDENTITY_REQUESTS,
  identityResponses(),
  EMPLOYEE_REQUESTS,
  employeeResponses(),
  JOB_REQUESTS,
  jobResponses(),
  ORGANIZATION_REQUESTS,
  organizationResponses(),
  MASTER_DATA_REQUESTS,
  masterDataResponses(),
  REPORT_REQUESTS,
  reportResponses(),
  TRANSACTION_REQUESTS,
  transactionResponses(),
  RECONCILIATION_REQUESTS,
  reconciliationResponses(),
];

const COMPONENT = '#/components/schemas/';

/** Every named schema of every domain; a name used twice, or one schema under two names, is refused. */
export function namedSchemas(): ReadonlyMap<string, z.core.$ZodType> {
  const byName = new Map<string, z.core.$ZodType>();
  const names = new Map<z.core.$ZodType, string>();
  for (const catalog of CATALOGS) {
    for (const [name, schema] of Object.entries(catalog.schemas)) {
      if (byName.has(name)) throw new Error(`Two schemas are named ${name}: give one another name.`);
      if (names.has(schema)) throw new Error(`One schema is named both ${names.get(schema)} and ${name}: keep one name.`);
      byName.set(name, schema);
      names.set(schema, name);
    }
  }
  return byName;
}

/** Declared tags, in alphabetical order (spectral's `openapi-tags-alphabetical`). */
export const TAGS: readonly { name: Route['tag']; description: string }[] = [
  { name: 'Employees', description: "The employer's employees, created at Abhi and mirrored locally" },
  { name: 'Identity', description: 'Logout and token revocation (login and refresh stay at the identity provider)' },
  { name: 'Jobs', description: 'Background jobs (bulk imports) and their per-item results' },
  { name: 'Master data', description: "Abhi's banks and business types (cached)" },
  { name: 'Organizations', description: 'Organizations at Abhi with their local advance policy and notification settings' },
  { name: 'Reconciliation', description: 'Runs and reports comparing the local ledger with Abhi (platform admins)' },
  { name: 'Reports', description: 'Outstanding balances and monthly statements from the local ledger' },
  { name: 'System', description: 'Probes and the documents that describe this API' },
  { name: 'Transactions', description: 'Salary advances, repayments, balances and transaction history' },
  { name: 'Webhooks', description: 'Status changes Abhi pushes to this platform' },
];

/** Error answers, one component each; operations refer to them by status. */
const ERROR_RESPONSES: Record<number, { name: string; description: string }> = {
  400: { name: 'BadRequest', description: 'Malformed request or validation error' },
  401: { name: 'Unauthorized', description: 'Missing or invalid bearer token (or webhook signature)' },
  403: { name: 'Forbidden', description: 'Not allowed for this role, or MFA required' },
  404: { name: 'NotFound', description: 'Not found (or not visible to this tenant)' },
  409: { name: 'Conflict', description: 'Conflict, or the same Idempotency-Key is in flight' },
  413: { name: 'PayloadTooLarge', description: 'Body too large' },
  415: { name: 'UnsupportedMediaType', description: 'Body is not JSON' },
  422: { name: 'UnprocessableContent', description: 'Business rule refused the request, or Idempotency-Key reused with another body' },
  429: { name: 'TooManyRequests', description: 'Rate limit exceeded; retry after Retry-After' },
  502: { name: 'BadGateway', description: 'Abhi answered with an error' },
  503: { name: 'ServiceUnavailable', description: 'A dependency is unavailable (Abhi circuit open or rate limited, the database); retry after Retry-After' },
  504: { name: 'GatewayTimeout', description: 'Abhi did not answer in time' },
};

const SUCCESS_DESCRIPTIONS: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted: poll the resource named in the Location header' };

type Io = 'input' | 'output';

/** Every named schema as a component, in one direction (request bodies are read as `input`, answers as `output`). */
function components(io: Io, schemas: ReadonlyMap<string, z.core.$ZodType>): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of schemas) registry.add(schema, { id: name });
  const { schemas: converted } = z.toJSONSchema(registry, { io, target: 'draft-2020-12', unrepresentable: 'any', uri: (id) => `${COMPONENT}${id}` });
  if ('__shared' in converted) throw new Error('A schema is recursive or shared without a name: name it in its catalogue.');
  const result: Record<string, JsonSchema> = {};
  for (const [name, json] of Object.entries(converted)) {
    const { $schema: _schema, $id: _id, ...rest } = json as JsonSchema;
    result[name] = rest;
  }
  return result;
}

function jsonSchema(schema: z.core.$ZodType): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

const ref = (name: string) => ({ $ref: `${COMPONENT}${name}` });

/** The names a JSON schema refers to, directly or through the components it refers to. */
function collectRefs(json: unknown, all: Record<string, JsonSchema>, into: Set<string>): void {
  if (Array.isArray(json)) {
    for (const item of json) collectRefs(item, all, into);
  } else if (json && typeof json === 'object') {
    for (const [key, value] of Object.entries(json)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(COMPONENT)) {
        const name = value.slice(COMPONENT.length);
        if (!into.has(name)) {
          into.add(name);
          collectRefs(all[name], all, into);
        }
      } else {
        collectRefs(value, all, into);
      }
    }
  }
}

function parameters(route: Route, schemas: ReadonlyMap<string, z.core.$ZodType>): unknown[] {
  const result: { name: string; in: string; [key: string]: unknown }[] = [];
  for (const location of ['path', 'query'] as const) {
    const name = route.request?.[location === 'path' ? 'params' : 'query'];
    if (!name) continue;
    const shape = jsonSchema(schemas.get(name)!) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [param, property] of Object.entries(shape.properties ?? {})) {
      const { description, ...schema } = property;
      const example = exampleOf(schema, {});
      result.push({
        name: param,
        in: location,
        required: location === 'path' || (shape.required ?? []).includes(param),
        ...(typeof description === 'string' ? { description } : {}),
        schema,
        ...(example !== undefined ? { example } : {}),
      });
    }
  }
  // Path parameters named in the route but not described by a schema still have to be declared.
  for (const match of route.path.matchAll(/\{(\w+)\}/g)) {
    if (!result.some((p) => p.name === match[1] && p.in === 'path')) result.push({ name: match[1]!, in: 'path', required: true, schema: { type: 'string' } });
  }
  if (route.idempotency !== 'none') {
    result.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: route.idempotency === 'required',
      schema: { type: 'string', minLength: 8, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' },
      description: 'Same key and body replay the first response; the same key with another body is refused (422).',
      example: 'payroll-2025-03-emp-0001',
    });
  }
  if (route.id === 'requestAdvance') {
    result.push({ name: 'Prefer', in: 'header', required: false, schema: { type: 'string', pattern: '^wait=\\d+$' }, description: 'wait=N: hold the request up to N seconds for the outcome', example: 'wait=10' });
  }
  return result;
}

function errorStatuses(route: Route): number[] {
  if (route.auth === 'public') return [400];
  if (route.auth === 'webhook-hmac') return [400, 401, 413, 415];
  return [400, 401, 403, 404, ...(route.idempotency !== 'none' ? [409] : []), 413, 415, 422, 429, 502, 503, 504];
}

export function buildOpenApiDocument(serverUrl = API_PREFIX): Record<string, unknown> {
  const schemas = namedSchemas();
  const inputs = components('input', schemas);
  const outputs = components('output', schemas);
  const usedInputs = new Set<string>();
  const usedOutputs = new Set<string>();
  const paths: Record<string, Record<string, unknown>> = {};

  for (const route of ROUTES) {
    const body = route.request?.body;
    for (const name of [body, route.request?.query, route.request?.params, ...Object.values(route.responses)]) {
      if (name && !schemas.has(name)) throw new Error(`Route ${route.id} names schema "${name}", which no catalogue in functions/shared/schemas/ holds.`);
    }
    if (body) collectRefs(ref(body), inputs, usedInputs);
    const responses: Record<string, unknown> = {};
    for (const [status, name] of Object.entries(route.responses)) {
      collectRefs(ref(name), outputs, usedOutputs);
      const example = exampleOf(ref(name), outputs);
      responses[status] = {
        description: SUCCESS_DESCRIPTIONS[Number(status)] ?? ERROR_RESPONSES[Number(status)]?.description ?? 'Answer',
        content: { 'application/json': { schema: ref(name), ...(example !== undefined ? { example } : {}) } },
      };
    }
    for (const status of errorStatuses(route)) responses[String(status)] ??= { $ref: `#/components/responses/${ERROR_RESPONSES[status]!.name}` };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      operationId: route.id,
      summary: route.summary,
      description: OPERATION_DESCRIPTIONS[route.id as keyof typeof OPERATION_DESCRIPTIONS],
      tags: [route.tag],
      security: route.auth === 'jwt' ? [{ bearer: [] }] : route.auth === 'webhook-hmac' ? [{ abhiSignature: [] }] : [],
      ...(route.auth === 'jwt' ? { 'x-roles': route.roles } : {}),
      'x-rate-limit-class': route.rateLimitClass,
      parameters: parameters(route, schemas),
      ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(body), example: exampleOf(ref(body), inputs) } } } } : {}),
      responses,
    };
  }

  // One component per name: a name used by requests and answers must read the same both ways.
  collectRefs(ref('Problem'), outputs, usedOutputs);
  const componentSchemas: Record<string, JsonSchema> = {};
  for (const name of [...schemas.keys()]) {
    if (usedInputs.has(name) && usedOutputs.has(name) && JSON.stringify(inputs[name]) !== JSON.stringify(outputs[name])) {
      throw new Error(`Schema ${name} reads differently in requests and answers: name the two forms apart.`);
    }
    if (usedOutputs.has(name)) componentSchemas[name] = outputs[name]!;
    else if (usedInputs.has(name)) componentSchemas[name] = inputs[name]!;
  }
  const errorResponses = Object.fromEntries(
    Object.values(ERROR_RESPONSES).map(({ name, description }) => [name, { description, content: { 'application/problem+json': { schema: ref('Problem') } } }]),
  );

  return {
    openapi: '3.1.0',
    info: {
      title: 'Abhi earned wage access platform API',
      version: '1.0.0',
      description:
        'Employees, salary advances, repayments and organizations on top of the Abhi Open API. Errors are RFC 9457 problem+json. ' +
        `A Postman collection generated from this document is served at ${API_PREFIX}/postman-collection.json.`,
      contact: { name: 'Abhi EWA platform team', url: 'https://abhi-ewa.example/support', email: 'platform@abhi-ewa.example' },
      license: { name: 'Proprietary: for Abhi partners under their integration agreement', url: 'https://abhi-ewa.example/terms' },
    },
    servers: [{ url: serverUrl, description: 'This deployment' }],
    tags: TAGS,
    paths,
    components: {
      schemas: componentSchemas,
      responses: errorResponses,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from the identity provider' },
        abhiSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Abhi-Signature',
          description: 'sha256=<HMAC-SHA256 of "<X-Abhi-Timestamp>.<X-Abhi-Event-Id>.<raw body>"> with the shared webhook secret',
        },
      },
    },
  };
}
