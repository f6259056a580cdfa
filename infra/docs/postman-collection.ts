import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { convertV2 } from 'openapi-to-postmanv2';
import { buildOpenApiDocument } from '#shared/openapi/document';
import { API_PREFIX } from '#shared/routes';

/**
 * The Postman collection served beside the OpenAPI document (GET /postman-collection.json), generated from it with
 * openapi-to-postmanv2. Generated here, at build time, and committed, because the converter is a development tool
 * (8 MB) that no function bundle may carry; a test regenerates it and fails on any difference (ADR 0026).
 * `npm run docs:postman` rewrites it.
 */
export const POSTMAN_COLLECTION_FILE = path.resolve(import.meta.dirname, '../../functions/system/postman-collection.json');

export async function generatePostmanCollection(): Promise<Record<string, unknown>> {
  const document = buildOpenApiDocument(API_PREFIX);
  const collection = await new Promise<unknown>((resolve, reject) => {
    convertV2(
      { type: 'json', data: document },
      { folderStrategy: 'Tags', parametersResolution: 'Example', includeAuthInfoInExample: false },
      (error, result) => {
        if (error) return reject(error);
        if (!result?.result || !result.output?.[0]) return reject(new Error(`openapi-to-postmanv2 refused the document: ${result?.reason ?? 'no output'}`));
        resolve(result.output[0].data);
      },
    );
  });
  const result = successExamplesOnly(withoutRandomIds(collection)) as { variable?: { key: string; value: string }[] };
  // Requests send `Authorization: Bearer {{bearerToken}}`: declare the variable beside baseUrl so it is found.
  result.variable = [...(result.variable ?? []), { key: 'bearerToken', value: '' }];
  return result as Record<string, unknown>;
}

/**
 * Each request keeps its success example; the twelve problem+json examples per request (90 % of the collection, the
 * same Problem every time) stay in the OpenAPI document.
 */
function successExamplesOnly(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(successExamplesOnly);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, v]) =>
      key === 'response' && Array.isArray(v) ? [key, v.filter((r: { code?: number }) => (r.code ?? 0) < 300)] : [key, successExamplesOnly(v)],
    );
    return Object.fromEntries(entries);
  }
  return value;
}

/** The converter gives every item a random id; without them the collection is the same for the same document. */
function withoutRandomIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutRandomIds);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'id' && key !== '_postman_id').map(([key, v]) => [key, withoutRandomIds(v)]));
  }
  return value;
}

export function serializePostmanCollection(collection: unknown): string {
  return `${JSON.stringify(collection, null, 1)}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  fs.writeFileSync(POSTMAN_COLLECTION_FILE, serializePostmanCollection(await generatePostmanCollection()));
  console.log(`Wrote ${path.relative(process.cwd(), POSTMAN_COLLECTION_FILE)}`);
}
