import { checkBalance } from '#shared/use-cases/advances/workflow-steps';
import { workflowTask } from '#shared/wiring/workflow';

/** Advance workflow task `checkBalance`. Step 2c (parallel): Abhi's monthly balance, read fresh. */
export const handler = workflowTask('checkBalance', checkBalance);
