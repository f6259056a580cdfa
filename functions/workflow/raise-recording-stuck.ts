import { raiseRecordingStuck } from '#shared/use-cases/advances/workflow-steps';
import { workflowTask } from '#shared/wiring/workflow';

/** Advance workflow task `raiseRecordingStuck`. Raises AdvanceRecordingStuck (EMF) when recording keeps failing; reconciliation completes it. */
export const handler = workflowTask('raiseRecordingStuck', raiseRecordingStuck);
