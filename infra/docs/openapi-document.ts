import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildOpenApiDocument } from '#shared/openapi/document';

/**
 * The OpenAPI document that GET /openapi.json serves, generated from the route table at build time and committed
 * (like the Postman collection beside it): building it at import took most of the function's INIT, about 350 ms
 * in the cold-start benchmark (ADR 0030). A test regenerates it and fails on any difference (ADR 0026).
 * `npm run docs:openapi` rewrites it.
 */
export const OPENAPI_DOCUMENT_FILE = path.resolve(import.meta.dirname, '../../functions/system/openapi.json');

export function serializeOpenApiDocument(document: unknown = buildOpenApiDocument()): string {
  return `${JSON.stringify(document, null, 1)}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  fs.writeFileSync(OPENAPI_DOCUMENT_FILE, serializeOpenApiDocument());
  console.log(`Wrote ${path.relative(process.cwd(), OPENAPI_DOCUMENT_FILE)}`);
}
