import { Logger } from '@aws-lambda-powertools/logger';
import { redactForLog } from './redaction';

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
});
