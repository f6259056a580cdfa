import { checkAbhiEligibility } from '#shared/use-cases/advances/workflow-steps';
import { abhiWorkflowTask } from '#shared/wiring/workflow-abhi';

/** Advance workflow task `checkAbhiEligibility`. Step 2a (parallel): Abhi's validation of the amount (isValid, maxAmount, availableAmount). */
export const handler = abhiWorkflowTask('checkAbhiEligibility', checkAbhiEligibility);
