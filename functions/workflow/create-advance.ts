import { createAdvance } from '#shared/use-cases/advances/workflow-steps';
import { workflowTask } from '#shared/wiring/workflow';

/** Advance workflow task `createAdvance`. Step 5: creates the advance at Abhi exactly once (looks it up by reference before any retry). */
export const handler = workflowTask('createAdvance', createAdvance);
