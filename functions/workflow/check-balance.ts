import { checkBalance } from '#shared/use-cases/advances/workflow-steps';
import { abhiWorkflowTask } from '#shared/wiring/workflow-abhi';

/** Advance workflow task `checkBalance`. Step 2c (parallel): Abhi's monthly balance, read fresh. */
export const handler = abhiWorkflowTask('checkBalance', checkBalance);
