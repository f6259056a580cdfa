/**
 * Bundled in place of `pg`'s index in every function (infra/bundling/options.ts, ADR 0030). The index defines a lazy
 * `native` getter, and honours NODE_PG_FORCE_NATIVE, both of which `require('./native')` — the libpq client, ~8 KB
 * in each of the 56 functions with a database — which esbuild inlines although `pg-native` is not installed (it is
 * external in the bundles), so in a deployed function `pg.native` is always null. Importing pg's parts instead of
 * its index in #shared/db/pool would not do: pg-pool falls back to `require('pg')` for its Client, so the index is
 * bundled anyway, and node-pg-migrate imports `pg` too. This module is pg's index without the native client: the
 * same Client (`pg/lib/client`, mapped back to pg's own file by the alias next to this one), the Pool bound to it as
 * pg binds it, and the same pg-types instance the client parses with (so `types.setTypeParser` in #shared/db/pool
 * applies; test/infra/pg-bundle.test.ts checks it against PostgreSQL). The parts of pg's API nothing here uses fail
 * loudly. Only bundles use this file; local runs and tests import pg itself.
 */
import { DatabaseError } from 'pg-protocol';
import types from 'pg-types';
import Client from 'pg/lib/client';
import Pool from 'pg-pool';
import type { PoolConfig } from 'pg';

function notBundled(what: string): never {
  throw new Error(`pg.${what} is not bundled in this function (infra/bundling/pg-without-native.ts): use pg.Client, pg.Pool or pg.types.`);
}

if (process.env.NODE_PG_FORCE_NATIVE) notBundled('native (NODE_PG_FORCE_NATIVE is set)');

/** As pg's index binds it: a Pool whose clients are pg's Client. */
class BoundPool extends Pool {
  constructor(options?: PoolConfig) {
    super(options, Client);
  }
}

const Query = Client.Query;

/** pg's default export, as #shared/db/pool, #shared/db/migrate, node-pg-migrate and pg-pool use it. */
const pg = {
  Client,
  Query,
  Pool: BoundPool,
  types,
  DatabaseError,
  /** What pg's lazy getter gives where pg-native is not installed, as in every bundle. */
  native: null,
};
// The rest of pg's index: nothing bundled reads it from there (pg's own modules import these parts directly).
for (const name of ['defaults', 'Connection', 'TypeOverrides', 'escapeIdentifier', 'escapeLiteral', 'Result', 'utils']) {
  Object.defineProperty(pg, name, { enumerable: false, get: () => notBundled(name) });
}

export { Client, Query, BoundPool as Pool, types, DatabaseError };
export default pg;
