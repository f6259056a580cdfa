import { checkAbhiEligibility } from '#shared/use-cases/advances/workflow-steps';
import { workflowTask } from '#shared/wiring/workflow';

/** Advance workflow task `checkAbhiEligibility`. Step 2a (parallel): Abhi's validation of the amount (isValid, maxAmount, availableAmount). */
export const handler = workflowTask('checkAbhiEligibility', checkAbhiEligibility);
