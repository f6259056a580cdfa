import { recordAdvance } from '#shared/use-cases/advances/workflow-steps';
import { workflowTask } from '#shared/wiring/workflow';

/** Advance workflow task `recordAdvance`. Step 6: ledger + COMPLETED + outbox events in one transaction. */
export const handler = workflowTask('recordAdvance', recordAdvance);
