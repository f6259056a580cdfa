/** Types of the pg internals infra/bundling/pg-without-native.ts imports (pg's own types describe only its index). */
declare module 'pg/lib/client' {
  const Client: typeof import('pg').Client & { Query: typeof import('pg').Query };
  export default Client;
}

declare module 'pg-pool' {
  const Pool: new (options: import('pg').PoolConfig | undefined, Client: typeof import('pg').Client) => import('pg').Pool;
  export default Pool;
}
