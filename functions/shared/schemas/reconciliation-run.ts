import * as z from '#shared/zod';

/**
 * The input of a reconciliation run started by hand (`npm run invoke` on reconciliation/run-reconciliation), apart
 * from reconciliation.ts so that function's bundle carries no route schemas. Looser than the API's start body on
 * purpose (no future-date rule): the workflow tests reconcile the sandbox's frozen business day.
 */
export const onDemandRunInput = z.strictObject({
  startDate: z.optional(z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/))),
  endDate: z.optional(z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/))),
  days: z.optional(z.int().check(z.minimum(1), z.maximum(92))),
});
