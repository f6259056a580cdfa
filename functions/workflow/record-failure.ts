import { recordFailure } from '#shared/use-cases/advances/workflow-steps';
import { workflowTask } from '#shared/wiring/workflow';

/** Advance workflow task `recordFailure`. Failure path: FAILED with the reason (or RECORD when Abhi already holds the advance). */
export const handler = workflowTask('recordFailure', recordFailure);
