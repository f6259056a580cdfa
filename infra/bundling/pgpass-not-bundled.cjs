/**
 * Bundled in place of `pgpass` in every function with a database (infra/bundling/options.ts, ADR 0030). pg's Client
 * requires it only to look a password up in ~/.pgpass (or PGPASSFILE) when a connection has none; every connection
 * here has one (DATABASE_URL carries it locally, IAM auth passes a token function, run-migrations the master secret),
 * and a Lambda has no such file. pgpass and its split2 are ~4 KB in each of 56 functions. If it is ever reached, it
 * answers as pgpass does without a file (no password: PostgreSQL then refuses the sign-in, with its own error) and
 * warns, naming why. Throwing would not fail loudly: pg emits the error on the client outside its connect callback,
 * so a pooled connect would wait for its timeout. CommonJS, because pg calls `require('pgpass')` as a function.
 */
module.exports = function pgpassNotBundled(_connectionParameters, callback) {
  process.emitWarning('pgpass is not bundled in this function (infra/bundling/options.ts): give the database connection a password.');
  callback(undefined);
};
