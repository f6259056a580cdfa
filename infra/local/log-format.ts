/**
 * Imported first by `npm start` (before any module creates the Powertools Logger, which reads its level once):
 * unless LOG_FORMAT=json, the handlers log from WARN up and the local gateway prints one short line per request.
 */
if (process.env.LOG_FORMAT !== 'json') process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
