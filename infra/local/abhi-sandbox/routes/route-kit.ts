import { toFils } from '#shared/domain/money';
import type { SandboxUser } from '../auth';
import { SandboxHttpError } from '../domain';

/**
 * What the per-resource route files share with server.ts: the request/reply shapes, the route table entry, and the
 * query parsing and validation helpers every resource uses. server.ts owns the table and the HTTP plumbing.
 */

export interface RequestContext {
  readonly method: string;
  readonly path: string;
  readonly params: string[];
  readonly query: URLSearchParams;
  readonly body: Record<string, unknown>;
  readonly user?: SandboxUser;
  readonly ip?: string;
  readonly userAgent?: string;
}
export interface Reply {
  readonly status: number;
  readonly message?: string;
  readonly data: unknown;
}
export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;
export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  /** false: login-type endpoints that need no bearer token. */
  readonly auth: boolean;
  readonly handler: Handler;
}

/** Registers a handler for `METHOD /path/:param` (`requiresAuth` false for login-type endpoints). */
export type AddRoute = (method: string, path: string, handler: Handler, requiresAuth?: boolean) => void;

export const ok = (data: unknown, status = 200, message = 'Success'): Reply => ({ status, message, data });
export const bad = (details: string) => new SandboxHttpError(400, 'Bad Request', details);

export function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) throw bad(`${name} must be an integer`);
  const value = Number(raw);
  if (value < min || value > max) throw bad(`${name} must be between ${min} and ${max}`);
  return value;
}

/** page is 1-based and honoured; limit defaults to 10 and is capped at 1000. */
export function paginate<T>(items: readonly T[], query: URLSearchParams): { total: number; results: T[] } {
  const page = intParam(query, 'page', 1, 1, 1_000_000);
  const limit = Math.min(1000, intParam(query, 'limit', 10, 1, Number.MAX_SAFE_INTEGER));
  return { total: items.length, results: items.slice((page - 1) * limit, page * limit) };
}

export function dateFilter(query: URLSearchParams, startName: string, endName: string): (ymdValue: string) => boolean {
  const start = query.get(startName);
  const end = query.get(endName);
  for (const [name, value] of [
    [startName, start],
    [endName, end],
  ] as const) {
    if (value && !/^\d{4}-\d{2}-\d{2}/.test(value)) throw bad(`${name} must be a date YYYY-MM-DD`);
  }
  return (value) => (!start || value >= start.slice(0, 10)) && (!end || value <= end.slice(0, 10));
}

export function money(query: URLSearchParams, name: string): bigint | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return undefined;
  try {
    return toFils(raw);
  } catch {
    throw bad(`${name} must be an amount like 100.00`);
  }
}

export const isUuid4 = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(v);
export const isYmd = (v: unknown) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`));
export const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
