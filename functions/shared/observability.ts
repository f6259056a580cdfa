import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * Observability singletons, created once per process at module scope (Powertools' recommended pattern). Service
 * name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE, set by CDK and the local stack.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'abhi-ewa',
  // Personal data and secrets never reach logs: these keys are masked wherever they appear in a logged object.
  jsonReplacerFn: (key: string, value: unknown) => (SENSITIVE_LOG_KEYS.has(key.toLowerCase()) ? maskForLog(value) : value),
});

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'AbhiEwa',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'abhi-ewa',
});

export const tracer = new Tracer({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'abhi-ewa',
  enabled: process.env.POWERTOOLS_TRACE_ENABLED !== 'false',
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
