import { raiseRecordingStuck } from '#shared/use-cases/advances/workflow-steps';
import { workflowTask } from '../transactions/runtime';

/** Advance workflow task `raiseRecordingStuck`. Raises AdvanceRecordingStuck (EMF) when recording keeps failing; reconciliation completes it. */
export const handler = workflowTask('raiseRecordingStuck', raiseRecordingStuck);
