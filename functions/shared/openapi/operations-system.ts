import * as z from 'zod';
import { createRevocationBody, logoutBody, logoutSchema, revocationSchema } from '#shared/schemas/identity';

export interface OperationSchemas {
  readonly body?: z.ZodType;
  readonly query?: z.ZodType;
  readonly params?: z.ZodType;
  readonly responses: Readonly<Record<number, z.ZodType>>;
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    code: z.string(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ description: 'RFC 9457 problem details with a stable `code`.' });

export const healthSchema = z.object({ status: z.literal('ok') });
export const readinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() })),
});

export const SYSTEM_OPERATIONS: Record<string, OperationSchemas> = {
  getHealth: { responses: { 200: healthSchema } },
  getReady: { responses: { 200: readinessSchema, 503: readinessSchema } },
  getOpenApi: { responses: { 200: z.record(z.string(), z.unknown()).meta({ description: 'This document' }) } },
};

export const IDENTITY_OPERATIONS: Record<string, OperationSchemas> = {
  logout: { body: logoutBody, responses: { 200: logoutSchema } },
  revokeSessions: { body: createRevocationBody, responses: { 201: revocationSchema } },
};
