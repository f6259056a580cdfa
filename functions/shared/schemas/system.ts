import * as z from '#shared/zod';
import { builtOnce, named } from './catalog';

/** Schemas of the system routes (probes, the API's own documents) and of every error answer. */

/**
 * The names the route table uses for these answers, also their OpenAPI component names (ADR 0026); built on first call
 * (`builtOnce`) like every domain's answers.
 */
export function systemResponses() {
  return builtOnce(systemAnswers);
}

function systemAnswers() {
  const problemSchema = z
    .object({
      type: z.string(),
      title: z.string(),
      status: z.int(),
      detail: z.optional(z.string()),
      instance: z.optional(z.string()),
      code: z.string(),
      requestId: z.optional(z.string()),
      errors: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
    })
    .check(
      z.meta({
        description: 'RFC 9457 problem details with a stable `code`.',
        example: {
          type: 'https://errors.abhi-ewa.example/validation-error',
          title: 'The request is not valid',
          status: 400,
          detail: 'The request is not valid.',
          code: 'VALIDATION_ERROR',
          requestId: '5f0c6a52-8d7e-4a4e-9d0a-6f1b2c3d4e5f',
          errors: [{ field: 'body.amount', message: 'Too small: expected number to be >0' }],
        },
      }),
    );

  const healthSchema = z.object({ status: z.literal('ok') }).check(z.meta({ description: 'The function answers' }));
  const readinessSchema = z
    .object({
      status: z.enum(['ready', 'not_ready']),
      checks: z.record(z.string(), z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.optional(z.string()) })),
    })
    .check(
      z.meta({
        description: 'Whether every dependency answers, with the latency of each check',
        example: { status: 'ready', checks: { postgres: { ok: true, latencyMs: 3 }, abhi: { ok: true, latencyMs: 41 } } },
      }),
    );
  const openApiDocumentSchema = z
    .record(z.string(), z.unknown())
    .check(z.meta({ description: 'An OpenAPI 3.1 document (this one)', example: { openapi: '3.1.0', info: { title: 'Abhi earned wage access platform API', version: '1.0.0' } } }));
  const postmanCollectionSchema = z.record(z.string(), z.unknown()).check(
    z.meta({
      description: 'A Postman collection (v2.1) generated from the OpenAPI document',
      example: { info: { name: 'Abhi earned wage access platform API', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' }, item: [] },
    }),
  );

  return named({
    Problem: problemSchema,
    Health: healthSchema,
    Readiness: readinessSchema,
    OpenApiDocument: openApiDocumentSchema,
    PostmanCollection: postmanCollectionSchema,
  });
}
