import { createAdvance } from '#shared/use-cases/advances/workflow-steps';
import { abhiWorkflowTask } from '#shared/wiring/workflow-abhi';

/** Advance workflow task `createAdvance`. Step 5: creates the advance at Abhi exactly once (looks it up by reference before any retry). */
export const handler = abhiWorkflowTask('createAdvance', createAdvance);
