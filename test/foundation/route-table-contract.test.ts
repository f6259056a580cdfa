import fs from 'node:fs';
import path from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument, namedSchemas } from '#shared/openapi/document';
import { API_PREFIX, ROUTES, type Route } from '#shared/routes';
import { signWebhook } from '#shared/use-cases/webhooks/abhi-webhook';
import { POSTMAN_COLLECTION_FILE } from '../../infra/docs/postman-collection';
import { LOCAL_AWS } from '../../infra/local/services/aws-local';
import { startTestApi, type TestApi } from '../support/api';

/**
 * One contract per route (issue #18 item 5, ADR 0026): the route table names each route's request and response
 * schemas, `apiHandler` validates with exactly those, and the OpenAPI document shows exactly those. Walks every route.
 */
type Json = Record<string, any>;
const document = buildOpenApiDocument() as Json;
const schemas = namedSchemas();
const functionsDir = path.resolve(import.meta.dirname, '../../functions');
const operationOf = (route: Route): Json => document.paths[route.path][route.method.toLowerCase()];
const component = (refOrSchema: Json): Json =>
  typeof refOrSchema.$ref === 'string' ? document.components.schemas[refOrSchema.$ref.replace('#/components/schemas/', '')] : refOrSchema;

describe('the route table names every request and response schema', () => {
  it('every name a route writes is a schema of a domain catalogue', () => {
    const unknown = ROUTES.flatMap((route) =>
      [...Object.values(route.request ?? {}), ...Object.values(route.responses)].filter((name) => !schemas.has(name)).map((name) => `${route.id}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('every route with path parameters names a schema for them, holding exactly those parameters', () => {
    for (const route of ROUTES) {
      const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      if (inPath.length === 0) continue;
      const params = route.request?.params;
      expect(params, route.id).toBeDefined();
      const shape = (schemas.get(params!) as unknown as { shape: Record<string, unknown> }).shape;
      expect(Object.keys(shape).sort(), route.id).toEqual(inPath);
    }
  });

  it("every route's handler passes its route id and a catalogue to apiHandler, never schemas of its own", () => {
    for (const route of ROUTES) {
      const source = fs.readFileSync(path.join(functionsDir, `${route.entry}.ts`), 'utf8');
      expect(source, route.entry).toMatch(new RegExp(`apiHandler\\(\\s*'${route.id}',\\s*[A-Z_]+_REQUESTS,`));
    }
    // No entry anywhere in functions/ uses the test seam (explicit schemas instead of the route's names).
    const entries = fs.readdirSync(functionsDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.startsWith('shared'));
    const seams = entries.filter((f) => /apiHandler\(\s*[^,]+,\s*\{/.test(fs.readFileSync(path.join(functionsDir, f), 'utf8')));
    expect(seams).toEqual([]);
  });

  it('the document shows exactly the schemas the route names: request body, parameters and answers', () => {
    for (const route of ROUTES) {
      const operation = operationOf(route);
      expect(operation.operationId).toBe(route.id);
      const body = route.request?.body;
      expect(operation.requestBody?.content['application/json'].schema, route.id).toEqual(body ? { $ref: `#/components/schemas/${body}` } : undefined);
      for (const [location, part] of [['query', 'query'], ['path', 'params']] as const) {
        const name = route.request?.[part];
        const documented = operation.parameters.filter((p: Json) => p.in === location).map((p: Json) => p.name).sort();
        const named = name ? Object.keys((schemas.get(name) as unknown as { shape: Record<string, unknown> }).shape).sort() : [];
        expect(documented, `${route.id} ${location}`).toEqual(named);
      }
      for (const [status, name] of Object.entries(route.responses)) {
        expect(operation.responses[status].content['application/json'].schema, `${route.id} ${status}`).toEqual({ $ref: `#/components/schemas/${name}` });
      }
    }
  });
});

describe('through the local API, every handler refuses what the document says it refuses (real handlers)', () => {
  let api: TestApi;
  let token: string;
  let webhookSecret: string;

  beforeAll(async () => {
    api = await startTestApi();
    token = await api.token({ role: 'admin', mfa: true, subject: 'contract-probe' });
    const secrets = new SecretsManagerClient({ endpoint: process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER, ...LOCAL_AWS });
    webhookSecret = JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: api.platform.env.WEBHOOK_SECRET_ID! }))).SecretString!).secret;
    secrets.destroy();
  });
  afterAll(async () => {
    await api?.stop();
  });

  /**
   * One request per route that breaks every rule the document states: an unknown query parameter, no required query
   * parameter, a path value outside the documented pattern, and (where the document takes a body) a body with an
   * unknown field and none of the required ones. The 400's field list must be exactly what the document predicts.
   */
  function probe(route: Route): { path: string; body?: Json; expected: string[]; oneOf: string[] } {
    const operation = operationOf(route);
    const expected = ['query.contractProbe'];
    let probePath = route.path;
    for (const parameter of operation.parameters as Json[]) {
      if (parameter.in === 'query' && parameter.required) expected.push(`query.${parameter.name}`);
      if (parameter.in === 'path') {
        probePath = probePath.replace(`{${parameter.name}}`, 'not~valid');
        const schema = parameter.schema as Json;
        if (schema.pattern || schema.format) expected.push(`params.${parameter.name}`);
      }
    }
    const bodySchema = operation.requestBody ? component(operation.requestBody.content['application/json'].schema) : undefined;
    // A rule across fields (at least one; one of these) is reported once, on the body or on one field it names.
    const oneOf: string[] = [];
    if (bodySchema) {
      if (bodySchema.additionalProperties === false) expected.push('body.contractProbe');
      for (const name of (bodySchema.required ?? []) as string[]) expected.push(`body.${name}`);
      const groups = (bodySchema.anyOf ?? bodySchema.oneOf ?? []) as { required: string[] }[];
      if (bodySchema.minProperties || groups.length > 0) oneOf.push('body', ...groups.flatMap((g) => g.required.map((name) => `body.${name}`)));
    }
    return { path: `${API_PREFIX}${probePath}?contractProbe=1`, ...(bodySchema ? { body: { contractProbe: true } } : {}), expected: expected.sort(), oneOf };
  }

  for (const route of ROUTES) {
    it(`${route.method} ${route.path} (${route.id})`, async () => {
      const { path: probePath, body, expected, oneOf } = probe(route);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (route.idempotency !== 'none') headers['idempotency-key'] = `contract-probe-${route.id}`;
      const rawBody = body ? JSON.stringify(body) : undefined;
      if (route.auth === 'webhook-hmac') {
        const timestamp = String(Math.floor(Date.now() / 1000));
        const eventId = `contract-probe-${Date.now()}`;
        Object.assign(headers, { 'x-abhi-timestamp': timestamp, 'x-abhi-event-id': eventId, 'x-abhi-signature': `sha256=${signWebhook(webhookSecret, timestamp, eventId, rawBody ?? '')}` });
      }
      const response = await api.request(route.method, probePath, {
        ...(route.auth === 'jwt' ? { token } : {}),
        headers,
        ...(rawBody !== undefined ? { rawBody } : {}),
      });
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      expect(response.body.code).toBe('VALIDATION_ERROR');
      const fields = [...new Set((response.body.errors as { field: string }[]).map((e) => e.field))].sort();
      expect(expected.filter((field) => !fields.includes(field)), 'predicted by the document, not reported').toEqual([]);
      const extra = fields.filter((field) => !expected.includes(field));
      // Required fields missing stop zod before cross-field rules run; otherwise the rule is reported exactly once.
      const ruleRuns = oneOf.length > 0 && !expected.some((field) => field.startsWith('body.') && field !== 'body.contractProbe');
      if (ruleRuns) {
        expect(extra).toHaveLength(1);
        expect(oneOf).toContain(extra[0]);
      } else {
        expect(extra, 'reported, not predicted by the document').toEqual([]);
      }
    });
  }

  it('serves the document (at most 250 KB) and the Postman collection generated from it, beside each other', async () => {
    const openapi = await api.request('GET', `${API_PREFIX}/openapi.json`);
    expect(openapi.status).toBe(200);
    expect(openapi.body).toEqual(document);
    expect(Buffer.byteLength(JSON.stringify(openapi.body))).toBeLessThanOrEqual(250 * 1024);
    const postman = await api.request('GET', `${API_PREFIX}/postman-collection.json`);
    expect(postman.status).toBe(200);
    expect(postman.body).toEqual(JSON.parse(fs.readFileSync(POSTMAN_COLLECTION_FILE, 'utf8')));
  });

  it('a route whose document takes no body refuses one', async () => {
    const response = await api.request('DELETE', `${API_PREFIX}/employees/e-1`, { token, body: { contractProbe: true } });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ field: 'body', message: 'Not expected.' }]);
    expect(operationOf(ROUTES.find((r) => r.id === 'deleteEmployee')!).requestBody).toBeUndefined();
  });
});
