import { decide } from '#shared/use-cases/advances/workflow-steps';
import { workflowTask } from '#shared/wiring/workflow';

/** Advance workflow task `decide`. Step 3: decides under the employee lock (reject / approval / auto-approve) and reserves the amount. */
export const handler = workflowTask('decide', decide);
