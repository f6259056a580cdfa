/**
 * The life of an advance request, as the API shows it and the advance_requests table stores it. Open requests
 * still hold part of the employee's available amount; the others are final.
 */
export const ADVANCE_STATUSES = [
  'PENDING_VALIDATION',
  'PENDING_APPROVAL',
  'PROCESSING',
  'COMPLETED',
  'REJECTED',
  'EXPIRED',
  'CANCELLED',
  'FAILED',
] as const;
export type AdvanceStatus = (typeof ADVANCE_STATUSES)[number];

export const OPEN_ADVANCE_STATUSES: readonly AdvanceStatus[] = ['PENDING_VALIDATION', 'PENDING_APPROVAL', 'PROCESSING'];

export const FINAL_STATUSES: readonly AdvanceStatus[] = ['COMPLETED', 'REJECTED', 'EXPIRED', 'CANCELLED', 'FAILED'];
