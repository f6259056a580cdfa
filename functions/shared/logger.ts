import { Logger, LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { redactForLog } from './redaction';

/**
 * Powertools' line without what the log group already says (ADR 0023): each function has its own log group, so the
 * function's ARN, name and memory size on every line were ~190 of the ~510 bytes of a request's log line (CloudWatch
 * Logs ingestion is billed per byte). The request id, cold start, correlation and trace ids stay.
 */
class LeanLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: attributes.lambdaContext?.coldStart,
        function_request_id: attributes.lambdaContext?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(additionalLogAttributes);
  }
}

/**
 * The Powertools Logger singleton, created once per process at module scope; `#shared/observability` re-exports it
 * with `metrics`. A module of its own so that a function that logs but emits no metrics (the authorizer) does not
 * bundle Powertools Metrics: a module that constructs `metrics` keeps it in every bundle that imports the module.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'abhi-ewa',
  // Personal data and secrets never reach logs: the replacer sees every key and string of every log line (messages,
  // extra keys, formatted errors and their causes) and redacts by key and by shape (#shared/redaction).
  jsonReplacerFn: redactForLog,
  logFormatter: new LeanLogFormatter(),
});
