import type pg from 'pg';

/** What a query needs: the pool, a pooled client or a transaction's client (a type only, so importing it loads no driver). */
export type Queryable = Pick<pg.PoolClient, 'query'>;
