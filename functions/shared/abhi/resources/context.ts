import type * as z from '#shared/zod';
import { AbhiRequestValidationError, type AbhiErrorContext } from '../errors';
import type { CallOptions, OperationSpec } from '../transport';
import type { CacheKind } from '../cache';
import type * as S from '../schemas';

/**
 * What every per-resource method group (auth.ts, employees.ts, …) needs from the AbhiClient that owns it: send one
 * operation through the shared transport, check a request before sending it, and drop cached reads after a write.
 * The client builds one of these and hands it to each resource, so the resources share its token, rate limit,
 * breakers and cache without seeing them.
 */
export interface AbhiResourceContext {
  call<T>(spec: OperationSpec<T>, options?: CallOptions): Promise<T>;
  validate<Schema extends z.ZodMiniType>(schema: Schema, input: unknown, operation: string, endpoint: string): z.output<Schema>;
  invalidate(kind: CacheKind, key?: string): Promise<void>;
}

/** Parses `input` with `schema`, or throws AbhiRequestValidationError naming every bad field (nothing is sent). */
export function validateRequest<Schema extends z.ZodMiniType>(schema: Schema, input: unknown, operation: string, endpoint: string): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const context: AbhiErrorContext = { operation, endpoint };
  throw new AbhiRequestValidationError(
    result.error.issues.map((issue) => ({ field: issue.path.join('.') || 'request', message: issue.message })),
    context,
  );
}

// Query-string helpers shared by the resources: Abhi treats 0/false/empty as "not given", so they are left out.
export type Query = Record<string, string | number | boolean | undefined>;
export const positive = (n: number | undefined) => (n !== undefined && n > 0 ? n : undefined);
export const whenTrue = (b: boolean | undefined) => (b ? true : undefined);
export const money2 = (n: number | undefined) => (n !== undefined && n > 0 ? n.toFixed(2) : undefined);
export const pageQuery = (o: S.PageOptions = {}): Query => ({ page: positive(o.page), limit: positive(o.limit) });
export const id = (value: string) => encodeURIComponent(value);
/** Stable cache-key form of a query (sorted, empty values dropped). */
export function canonicalQuery(query: Query): string {
  return Object.keys(query)
    .filter((k) => query[k] !== undefined && query[k] !== '')
    .sort()
    .map((k) => `${k}=${String(query[k])}`)
    .join('&');
}
