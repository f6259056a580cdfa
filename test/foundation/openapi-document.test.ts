import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Document, Spectral } from '@stoplight/spectral-core';
import Parsers from '@stoplight/spectral-parsers';
import { oas } from '@stoplight/spectral-rulesets';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, namedSchemas, TAGS } from '#shared/openapi/document';
import { ROUTES } from '#shared/routes';
import * as z from '#shared/zod';
import { OPENAPI_DOCUMENT_FILE, serializeOpenApiDocument } from '../../infra/docs/openapi-document';
import { generatePostmanCollection, POSTMAN_COLLECTION_FILE, serializePostmanCollection } from '../../infra/docs/postman-collection';

/**
 * The OpenAPI document integrators read and generate clients from (issue #18 item 6, ADR 0026): named components
 * referenced with $ref, a description and an example on every operation, declared tags, contact and license, at most
 * 250 KB as served; spectral (spectral:oas, every rule) and redocly (recommended) lint it clean; openapi-typescript
 * turns it into a client that type-checks with named types; the Postman collection served beside it is generated
 * from it.
 */
type Json = Record<string, any>;
const document = buildOpenApiDocument() as Json;
const served = JSON.stringify(document);
const text = JSON.stringify(document, null, 2);
const schemas = namedSchemas();
const operations = ROUTES.map((route) => ({ route, operation: document.paths[route.path][route.method.toLowerCase()] as Json }));

describe('the OpenAPI document', () => {
  it('is at most 250 KB as served, with named component schemas referenced by $ref', () => {
    expect(Buffer.byteLength(served)).toBeLessThanOrEqual(250 * 1024);
    const components = Object.keys(document.components.schemas);
    for (const name of ['Employee', 'EmployeePage', 'Organization', 'OrganizationPage', 'Advance', 'Repayment', 'TransactionPage', 'Balance', 'Job', 'Problem', 'ReconciliationReport']) {
      expect(components).toContain(name);
    }
    expect(served.match(/"\$ref":"#\/components\/schemas\/Employee"/g)?.length).toBeGreaterThan(3);
    // Error answers are one component each, all problem+json of the one Problem schema.
    for (const response of Object.values(document.components.responses) as Json[]) {
      expect(response.content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
    }
    // Every component is used (spectral would say so too), and every schema an operation shows is a reference.
    for (const { route, operation } of operations) {
      const shown = [operation.requestBody?.content['application/json'].schema, ...Object.values(operation.responses).map((r: any) => r.content?.['application/json']?.schema)];
      for (const schema of shown.filter(Boolean)) expect(Object.keys(schema), route.id).toEqual(['$ref']);
    }
  });

  it('declares its tags, contact and license; every operation has a summary, a description and a declared tag', () => {
    expect(document.info.contact).toMatchObject({ name: expect.any(String), url: expect.stringMatching(/^https:/), email: expect.stringContaining('@') });
    expect(document.info.license).toMatchObject({ name: expect.any(String), url: expect.stringMatching(/^https:/) });
    const declared = (document.tags as { name: string; description: string }[]).map((t) => t.name);
    expect(declared).toEqual(TAGS.map((t) => t.name));
    for (const { route, operation } of operations) {
      expect(operation.summary, route.id).toBe(route.summary);
      expect(operation.description?.length, route.id).toBeGreaterThan(40);
      expect(declared, route.id).toContain(operation.tags[0]);
    }
  });

  it("every operation carries an example of its answer (and of its body), and each parses with the route's zod schema", () => {
    for (const { route, operation } of operations) {
      const body = route.request?.body;
      if (body) {
        const example = operation.requestBody.content['application/json'].example;
        const parsed = z.safeParse(schemas.get(body)!, example);
        expect(parsed.success, `${route.id} body example: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      }
      const [status, name] = Object.entries(route.responses).find(([s]) => Number(s) < 300)!;
      const example = operation.responses[status].content['application/json'].example;
      expect(example, route.id).toBeDefined();
      const parsed = z.safeParse(schemas.get(name)!, example);
      expect(parsed.success, `${route.id} ${status} example: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });

  it('spectral with the spectral:oas ruleset (every rule, not only the recommended ones) reports no problem', async () => {
    const spectral = new Spectral();
    spectral.setRuleset({ extends: [[oas as never, 'all']] });
    const results = await spectral.run(new Document(text, Parsers.Json, 'openapi.json'));
    expect(results.map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`)).toEqual([]);
  });

  it('redocly lint (recommended) reports no error; its one warning is two paths API Gateway tells apart', async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: text, absoluteRef: path.join(os.tmpdir(), 'openapi.json'), config });
    expect(problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    // /transactions/employee/{employeeId} and /transactions/{id}/status: static segments win (route-table.test.ts).
    expect(problems.map((p) => p.ruleId)).toEqual(['no-ambiguous-paths']);
  });

  it('openapi-typescript generates a client whose named types type-check, and a wrong value does not', async () => {
    const generated = astToString(await openapiTS(text));
    expect(generated).toMatch(/\n {8}Employee: \{/);
    // Operations refer to the named types rather than repeating anonymous shapes.
    expect(generated).toContain('"application/json": components["schemas"]["Employee"];');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abhi-openapi-ts-'));
    fs.writeFileSync(path.join(dir, 'api.d.ts'), generated);
    fs.writeFileSync(
      path.join(dir, 'use.ts'),
      `import type { components, paths } from './api';
type Employee = components['schemas']['Employee'];
type GetEmployee = paths['/employees/{id}']['get']['responses'][200]['content']['application/json'];
const sameType: Employee extends GetEmployee ? (GetEmployee extends Employee ? true : false) : false = true;
const advance: components['schemas']['RequestAdvanceRequest'] = { employeeId: 'emp-1', amount: 500 };
const problem: components['schemas']['Problem'] = { type: 't', title: 'Bad', status: 400, code: 'VALIDATION_ERROR' };
export { sameType, advance, problem };
`,
    );
    fs.writeFileSync(path.join(dir, 'wrong.ts'), `import type { components } from './api';\nexport const wrong: components['schemas']['RequestAdvanceRequest'] = { employeeId: 1 };\n`);
    const diagnostics = (file: string) => {
      const program = ts.createProgram([path.join(dir, file)], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, skipLibCheck: false, types: [] });
      return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    };
    expect(diagnostics('use.ts')).toEqual([]);
    expect(diagnostics('wrong.ts').length).toBeGreaterThan(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the document GET /openapi.json serves is the one built from the route table (npm run docs:openapi rewrites it)', () => {
    const committed = fs.readFileSync(OPENAPI_DOCUMENT_FILE, 'utf8');
    expect(committed, 'The served OpenAPI document is stale: run `npm run docs:openapi` and commit the file.').toBe(serializeOpenApiDocument(document));
  });

  it('the Postman collection served beside it is the one generated from it (npm run docs:postman rewrites it)', async () => {
    const committed = fs.readFileSync(POSTMAN_COLLECTION_FILE, 'utf8');
    expect(committed, 'The Postman collection is stale: run `npm run docs:postman` and commit the file.').toBe(serializePostmanCollection(await generatePostmanCollection()));
    const collection = JSON.parse(committed) as Json;
    expect(collection.info.schema).toBe('https://schema.getpostman.com/json/collection/v2.1.0/collection.json');
    const requests = (collection.item as Json[]).flatMap((folder) => folder.item as Json[]);
    expect(requests.map((r) => r.name).sort()).toEqual(ROUTES.map((r) => r.summary).sort());
  });
});
