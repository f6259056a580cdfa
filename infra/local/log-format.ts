/**
 * Imported first by `npm start` (before any module creates the Powertools Logger or Metrics, which read their
 * settings once). Unless LOG_FORMAT=json: the handlers log from WARN up, EMF metric lines are not printed, and the
 * local gateway prints one short line per request. LOG_FORMAT=json prints everything, as CloudWatch would receive it.
 */
if (process.env.LOG_FORMAT !== 'json') {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
}
