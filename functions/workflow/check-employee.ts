import { checkEmployee } from '#shared/use-cases/advances/workflow-steps';
import { workflowTask } from '#shared/wiring/workflow';

/** Advance workflow task `checkEmployee`. Step 2b (parallel): the employee is active and belongs to the request's organization. */
export const handler = workflowTask('checkEmployee', checkEmployee);
