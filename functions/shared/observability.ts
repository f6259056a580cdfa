import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * Observability singletons, created once per process at module scope (Powertools' recommended pattern). Service
 * name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE, set by CDK and the local stack.
 *
 * Each singleton lives where a bundle that does not use it leaves it out (esbuild keeps a module's top-level
 * construction, and everything it imports, in every bundle that imports the module): `logger` in `./logger`
 * (re-exported here), `metrics` here, and the tracer in `#shared/tracer` — the Powertools Tracer pulls in the X-Ray
 * SDK (about 110 KB minified, evaluated at import), so only functions that trace (apiHandler) import it.
 */
export { logger } from './logger';

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'AbhiEwa',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'abhi-ewa',
});
