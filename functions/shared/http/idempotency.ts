import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context, SQSRecord } from 'aws-lambda';
import { envVar, loadConfig } from '#shared/config';
import { IdempotencyKeyRequiredError } from './errors';

/**
 * Idempotency with Powertools Idempotency (DynamoDB table IDEMPOTENCY_TABLE_NAME, its default schema: `id`, TTL
 * `expiration`).
 *
 * API routes: the client's `Idempotency-Key` is scoped by principal subject + route id (`eventKeyJmesPath: 'key'`);
 * the validated request (body, query, path params) is the payload checked on replay (`payloadValidationJmesPath:
 * 'request'` → a different body raises IdempotencyValidationError → 422); a concurrent duplicate finds the INPROGRESS
 * record (→ 409); a completed one replays the stored result, marked through `responseHook`.
 *
 * Only 2xx results are stored. Powertools stores whatever the wrapped function returns and deletes the record when it
 * throws, so the wrapped function throws a `NotStored` carrying a non-2xx result and we unwrap it outside: a 4xx/5xx
 * is answered but never replayed, and a retry after a fixed request runs again.
 */

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;
export const REPLAYED_HEADER = 'Idempotent-Replayed';

let sharedClient: DynamoDBClient | undefined;

function dynamoClient(): DynamoDBClient {
  sharedClient ??= new DynamoDBClient({ maxAttempts: 3 });
  return sharedClient;
}

/**
 * A Powertools persistence layer on the idempotency table. One per idempotent function: Powertools configures a
 * layer once (first config wins) and keeps the key prefix on the instance.
 */
export function idempotencyPersistence(tableName?: string): BasePersistenceLayer {
  const table = tableName ?? loadConfig({ IDEMPOTENCY_TABLE_NAME: envVar.text() }).IDEMPOTENCY_TABLE_NAME;
  return new DynamoDBPersistenceLayer({ tableName: table, awsSdkV3Client: dynamoClient() });
}

/** Reads and checks the Idempotency-Key header for a route's idempotency mode; undefined when not used. */
export function idempotencyKeyFor(mode: 'required' | 'optional' | 'none', headerValue: string | undefined): string | undefined {
  if (mode === 'none') return undefined;
  const key = headerValue?.trim();
  if (!key) {
    if (mode === 'required') throw new IdempotencyKeyRequiredError();
    return undefined;
  }
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new IdempotencyKeyRequiredError('The Idempotency-Key header must be 8 to 128 characters of A-Z, a-z, 0-9, _ and -.');
  }
  return key;
}

export interface StoredResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

class NotStored extends Error {
  constructor(readonly result: StoredResult) {
    super('non-2xx result: not stored for replay');
  }
}

interface ApiIdempotencyPayload {
  key: string;
  request: { body: unknown; query: unknown; params: unknown };
}

export interface ApiIdempotencyOptions {
  persistenceStore?: BasePersistenceLayer;
  expiresAfterSeconds: number;
}

export interface ApiIdempotency {
  /**
   * Runs `work` at most once per (subject, route, key) while the record lives; returns its result or the stored one
   * (`replayed: true`). Throws IdempotencyValidationError (different request, same key) and
   * IdempotencyAlreadyInProgressError (same key in flight) from Powertools; the HTTP layer maps them.
   */
  run(
    scope: { subject: string; routeId: string; key: string },
    request: ApiIdempotencyPayload['request'],
    context: Context,
    work: () => Promise<StoredResult>,
  ): Promise<{ result: StoredResult; replayed: boolean }>;
}

export function createApiIdempotency(routeId: string, options: ApiIdempotencyOptions): ApiIdempotency {
  type Runner = (payload: ApiIdempotencyPayload, context: Context, work: () => Promise<StoredResult>) => Promise<StoredResult>;
  let built: { table: string; run: Runner } | undefined;

  const build = (persistenceStore: BasePersistenceLayer): Runner => {
    const config = new IdempotencyConfig({
      eventKeyJmesPath: 'key',
      payloadValidationJmesPath: 'request',
      throwOnNoIdempotencyKey: true,
      expiresAfterSeconds: options.expiresAfterSeconds,
      hashFunction: 'sha256',
      // Replays get the stored result, marked so the handler can add Idempotent-Replayed.
      responseHook: (response) => Object.assign({}, response as object, { [REPLAY_MARK]: true }) as typeof response,
    });
    return makeIdempotent(
      async (_payload: ApiIdempotencyPayload, _context: Context, work: () => Promise<StoredResult>): Promise<StoredResult> => {
        const result = await work();
        if (result.status < 200 || result.status > 299) throw new NotStored(result);
        // DynamoDB stores plain data: drop undefined values, Dates to strings, exactly as the client will see it.
        return JSON.parse(JSON.stringify(result)) as StoredResult;
      },
      { persistenceStore, config, keyPrefix: `api.${routeId}` },
    );
  };

  const runner = (): Runner => {
    if (options.persistenceStore) {
      built ??= { table: '', run: build(options.persistenceStore) };
      return built.run;
    }
    // Rebuilt when the table changes (the local stack can restart with new tables in the same process).
    const table = loadConfig({ IDEMPOTENCY_TABLE_NAME: envVar.text() }).IDEMPOTENCY_TABLE_NAME;
    if (built?.table !== table) built = { table, run: build(idempotencyPersistence(table)) };
    return built.run;
  };

  return {
    async run(scope, request, context, work) {
      const payload: ApiIdempotencyPayload = { key: `${scope.subject}|${scope.routeId}|${scope.key}`, request };
      try {
        const output = (await runner()(payload, context, work)) as StoredResult & { [REPLAY_MARK]?: boolean };
        const replayed = output[REPLAY_MARK] === true;
        const { [REPLAY_MARK]: _mark, ...result } = output;
        return { result, replayed };
      } catch (error) {
        if (error instanceof NotStored) return { result: error.result, replayed: false };
        throw error;
      }
    },
  };
}

const REPLAY_MARK = '__idempotentReplay';

/**
 * Makes an SQS record processor idempotent by message id (for consumers under Powertools' BatchProcessor): a
 * redelivered message that was already processed returns the stored result instead of running again; one that fails
 * leaves no record, so the retry runs. Call once at module scope:
 *
 *   const processRecord = idempotentRecordProcessor(async (record) => { ... }, 'employee-import');
 *   export const handler = (event, context) => processPartialResponse(event, processRecord, processor, { context });
 *
 * `processPartialResponse` passes the Lambda context as the second argument, which Powertools uses to expire an
 * INPROGRESS record when the invocation dies.
 */
export function idempotentRecordProcessor<R>(
  fn: (record: SQSRecord, context?: Context) => Promise<R>,
  name: string,
  options: { persistenceStore?: BasePersistenceLayer; expiresAfterSeconds?: number } = {},
): (record: SQSRecord, context?: Context) => Promise<R> {
  let idempotent: ((record: SQSRecord, context?: Context) => Promise<R>) | undefined;
  return (record, context) => {
    idempotent ??= makeIdempotent(fn, {
      persistenceStore: options.persistenceStore ?? idempotencyPersistence(),
      config: new IdempotencyConfig({
        eventKeyJmesPath: 'messageId',
        throwOnNoIdempotencyKey: true,
        expiresAfterSeconds: options.expiresAfterSeconds ?? 24 * 3600,
        hashFunction: 'sha256',
      }),
      keyPrefix: `sqs.${name}`,
    });
    return idempotent(record, context);
  };
}
