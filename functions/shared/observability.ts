import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Observability singletons, created once per process at module scope (Powertools' recommended pattern). Service
 * name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE, set by CDK and the local stack.
 *
 * Each singleton lives where a bundle that does not use it leaves it out (esbuild keeps a module's top-level
 * construction, and everything it imports, in every bundle that imports the module): `logger` in `./logger`
 * (re-exported here), `metrics` here. No function creates the Powertools Tracer (the X-Ray SDK, about 120 KB):
 * Lambda's active tracing records each invocation (ADR 0019).
 */
export { logger } from './logger';

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'AbhiEwa',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'abhi-ewa',
});
