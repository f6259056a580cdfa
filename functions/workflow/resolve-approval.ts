import { resolveApproval } from '#shared/use-cases/advances/workflow-steps';
import { workflowTask } from '#shared/wiring/workflow';

/** Advance workflow task `resolveApproval`. Step 4: settles the approval wait from the database (approved → create, else end; timeout → EXPIRED). */
export const handler = workflowTask('resolveApproval', resolveApproval);
