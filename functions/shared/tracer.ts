import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * The Powertools Tracer singleton, in its own module so that only the functions that trace (apiHandler's
 * `captureLambdaHandler`) bundle and load it: the Tracer imports the X-Ray SDK (about 110 KB minified, evaluated at
 * import) and, once created, instruments outgoing HTTP(S) calls globally. A function without it still has its
 * invocation segments from Lambda's active tracing, but no subsegments for its outgoing calls; import this module
 * in a function that needs them.
 */
export const tracer = new Tracer({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'abhi-ewa',
  enabled: process.env.POWERTOOLS_TRACE_ENABLED !== 'false',
});
