import { checkPolicy } from '#shared/use-cases/advances/workflow-steps';
import { workflowTask } from '#shared/wiring/workflow';

/** Advance workflow task `checkPolicy`. Step 2d (parallel): the organization's advance policy (maximum, monthly count, tenure, payroll blackout). */
export const handler = workflowTask('checkPolicy', checkPolicy);
