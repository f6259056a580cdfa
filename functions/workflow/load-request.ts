import { loadRequest } from '#shared/use-cases/advances/workflow-steps';
import { workflowTask } from '#shared/wiring/workflow';

/** Advance workflow task `loadRequest`. Step 1: loads the request (must still be PENDING_VALIDATION). */
export const handler = workflowTask('loadRequest', loadRequest);
