import * as z from '#shared/zod';
import { builtOnce, named } from './catalog';
import { pageOf, isoDateTime, resourceId } from './common';

/** Background jobs (bulk imports): status, counters and per-item results, kept 30 days. */
export const JOB_STATUSES = ['queued', 'processing', 'completed', 'completed_with_errors', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const jobIdParams = z.strictObject({ id: resourceId('Job') });

export const getJobQuery = z.strictObject({
  page: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(1000)), 1).check(z.meta({ description: 'Page of items, from 1' })),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 100).check(z.meta({ description: 'Items per page, 1 to 100 (default 100)' })),
  itemStatus: z.optional(z.enum(['succeeded', 'failed', 'pending'])).check(z.meta({ description: 'Only items with this result' })),
});
export type GetJobQuery = z.output<typeof getJobQuery>;

/**
 * The names the route table uses for this domain's schemas, also their OpenAPI component names (ADR 0026). The answers
 * are built on first call (`builtOnce`), so a function that only validates requests neither bundles nor builds them.
 */
export const JOB_REQUESTS = named({
  JobPath: jobIdParams,
  GetJobQuery: getJobQuery,
});
export function jobResponses() {
  return builtOnce(jobAnswers);
}

function jobAnswers() {
  const jobItemSchema = z
    .object({
      index: z.int().check(z.meta({ description: 'Position of the row in the request, from 0' })),
      status: z.enum(['succeeded', 'failed', 'pending']),
      reference: z.nullable(z.string()).check(z.meta({ description: 'The row’s employeeCode when it had one' })),
      resourceId: z.nullable(z.string()).check(z.meta({ description: 'Id of the created employee' })),
      error: z.nullable(z.object({ code: z.string(), message: z.string(), fields: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))) })),
      updatedAt: z.nullable(isoDateTime()),
    })
    .check(z.meta({ description: 'The result of one row' }));

  const jobSchema = z
    .object({
      id: z.string(),
      type: z.string(),
      status: z.enum(JOB_STATUSES),
      organizationId: z.nullable(z.string()),
      total: z.int(),
      succeeded: z.int(),
      failed: z.int(),
      pending: z.int(),
      createdAt: isoDateTime(),
      updatedAt: isoDateTime(),
      completedAt: z.nullable(isoDateTime()),
      expiresAt: isoDateTime().check(z.meta({ description: 'When the job record is deleted (30 days after creation)' })),
      items: pageOf(jobItemSchema, 'A page of item results, in row order'),
    })
    .check(z.meta({ description: 'A background job with a page of its per-item results' }));

  return named({
    JobItem: jobItemSchema,
    Job: jobSchema,
  });
}

type Answers = ReturnType<typeof jobResponses>['schemas'];
export type JobItemView = z.infer<Answers['JobItem']>;
export type JobView = z.infer<Answers['Job']>;
