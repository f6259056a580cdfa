import { buildOpenApiDocument } from '#shared/openapi/document';

let document: ReturnType<typeof buildOpenApiDocument> | undefined;

/**
 * Composition root of system/get-openapi: the OpenAPI document, built once per process from the route table and the
 * schemas it names (ADR 0026).
 */
export function openApiDocument(): ReturnType<typeof buildOpenApiDocument> {
  return (document ??= buildOpenApiDocument());
}
