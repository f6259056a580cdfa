import { requestApproval } from '#shared/use-cases/advances/workflow-steps';
import { workflowTask } from '#shared/wiring/workflow';

/** Advance workflow task `requestApproval`. Step 3b (.waitForTaskToken): stores the task token, PENDING_APPROVAL, asks the finance managers. */
export const handler = workflowTask('requestApproval', requestApproval);
