import * as z from 'zod';
import { safeString } from '#shared/http/schemas';

/**
 * Small schema helpers shared by the business API's schemas (employees, organizations, master data, reports, jobs).
 */

/** A paginated list in this API: `{ items, page, limit, total }`. */
export function pageOf<T extends z.ZodType>(item: T, description: string) {
  return z
    .object({
      items: z.array(item),
      page: z.number().int().min(1),
      limit: z.number().int().min(1).max(100),
      total: z.number().int().min(0),
    })
    .meta({ description });
}

export interface Page<T> {
  items: T[];
  page: number;
  limit: number;
  total: number;
}

/** Slices an in-memory, already ordered list into a page. */
export function paginate<T>(all: readonly T[], page: number, limit: number): Page<T> {
  const start = (page - 1) * limit;
  return { items: all.slice(start, start + limit), page, limit, total: all.length };
}

/** An id as it appears in a path: Abhi's ids (UUIDs in practice) and ours share one shape. */
export const resourceId = (what: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, `Expected ${what} id.`)
    .meta({ description: `${what} id`, example: '3f0c6a52-8d7e-4a4e-9d0a-6f1b2c3d4e5f' });

/** A money value in responses: JSON number, at most 2 decimals. */
export const money = (description: string) => z.number().meta({ description: `${description} (AED, at most 2 decimals)`, example: 1500.5 });

export const isoDateTime = () => z.string().meta({ description: 'Date and time (ISO 8601, UTC)', format: 'date-time', example: '2025-01-31T08:15:00.000Z' });

/** A query string with a search term (trimmed; empty means absent). */
export const searchTerm = (max = 100) =>
  safeString()
    .trim()
    .max(max)
    .optional()
    .transform((value) => (value ? value : undefined));
