/**
 * Bundled in place of Powertools Idempotency (and its jmespath, ~39 KB) in the functions of routes that take no
 * Idempotency-Key (infra/bundling/options.ts, ADR 0023): there `createApiIdempotency` is never called (no key, no
 * idempotency), and if it ever were, it fails loudly instead of running without idempotency.
 */
function notBundled(): never {
  throw new Error('Powertools Idempotency is not bundled in this function: its route takes no Idempotency-Key (infra/bundling/options.ts).');
}

export class IdempotencyConfig {
  constructor() {
    notBundled();
  }
}

export class DynamoDBPersistenceLayer {
  constructor() {
    notBundled();
  }
}

export function makeIdempotent(): never {
  return notBundled();
}
