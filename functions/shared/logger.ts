import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The Powertools Logger singleton, created once per process at module scope; `#shared/observability` re-exports it
 * with `metrics`. A module of its own so that a function that logs but emits no metrics (the authorizer) does not
 * bundle Powertools Metrics: a module that constructs `metrics` keeps it in every bundle that imports the module.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'abhi-ewa',
  // Personal data and secrets never reach logs: these keys are masked wherever they appear in a logged object.
  jsonReplacerFn: (key: string, value: unknown) => (SENSITIVE_LOG_KEYS.has(key.toLowerCase()) ? maskForLog(value) : value),
});

const SENSITIVE_LOG_KEYS = new Set([
  'authorization',
  'password',
  'token',
  'accesstoken',
  'refreshtoken',
  'secret',
  'accountnumber',
  'emiratesid',
  'iban',
  'x-signature',
  'mfasecret',
]);

function maskForLog(_value: unknown): string {
  return '***';
}
