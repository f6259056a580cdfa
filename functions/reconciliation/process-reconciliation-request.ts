import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger, metrics } from '#shared/observability';
import { messageBody, processSqsBatch, queueDelivery } from '#shared/triggers/sqs-batch';
import { RECONCILIATION_REQUESTS_QUEUE, reconciliationRequestMessage, runRequestedReconciliation } from '#shared/use-cases/reconciliation/runs';
import { reconciliationDeps } from '#shared/wiring/reconciliation-run';
import { lambdaInvocation } from '#shared/wiring/invocation';

/**
 * Consumer of the `reconciliation-requests` queue: one on-demand run per message (POST /reconciliation/runs). The
 * report row exists already (RUNNING); the run claims it first, so a redelivered message neither runs the period a
 * second time in parallel nor overwrites a finished report. A run that fails is recorded FAILED on its report (the
 * operator reads why and asks again); only a failure to record anything leaves the message for another delivery.
 */
const QUEUE = queueDelivery(RECONCILIATION_REQUESTS_QUEUE);

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  logger.addContext(context);
  const recordHandler = async (record: SQSRecord): Promise<void> => {
    const parsed = reconciliationRequestMessage.safeParse(messageBody(record.body));
    if (!parsed.success) {
      logger.error('Dropping a message that is not a reconciliation request', { messageId: record.messageId });
      return;
    }
    const { reportId } = parsed.data;
    const ctx = lambdaInvocation(context, `reconciliation-${reportId}`, { reserve: 'batch', patience: 'interactive' });
    const result = await runRequestedReconciliation(reconciliationDeps(), ctx, parsed.data, { leaseSeconds: QUEUE.leaseSeconds });
    if (result.outcome === 'completed') {
      const { report } = result;
      logger.info('Reconciliation finished', { reportId, status: report.status, fixed: report.fixed.length, mismatches: report.mismatches.length });
    } else if (result.outcome === 'failed') {
      logger.error('Reconciliation failed; the report records why', { reportId, error: result.error as Error });
    } else {
      logger.warn('Reconciliation request skipped', { reportId, reason: result.reason, status: result.status, receiveCount: record.attributes.ApproximateReceiveCount });
    }
  };
  try {
    return await processSqsBatch(event, context, recordHandler);
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
};
