import * as z from 'zod';

/**
 * The input of a reconciliation run started by hand (`npm run invoke` on reconciliation/run-reconciliation), apart
 * from reconciliation.ts so that function's bundle carries no route schemas. Looser than the API's start body on
 * purpose (no future-date rule): the workflow tests reconcile the sandbox's frozen business day.
 */
export const onDemandRunInput = z.strictObject({
  startDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  endDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  days: z.number().int().min(1).max(92).optional(),
});
