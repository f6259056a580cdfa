import * as z from '#shared/zod';
import { hasAtMostTwoDecimals } from '#shared/domain/money';

/**
 * The one home of schema primitives: reusable zod field schemas for request validation and response shapes. The same
 * schemas generate the OpenAPI document (`z.toJSONSchema`), hence the `z.meta({ description, example })` checks. Build
 * request objects with `z.strictObject` so unknown fields are refused.
 */

export const uuid = () => z.uuid().check(z.meta({ description: 'UUID', example: '3f0c6a52-8d7e-4a4e-9d0a-6f1b2c3d4e5f' }));

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date `YYYY-MM-DD` that exists (no 2024-02-30). */
export const isoDate = () =>
  z.string().check(
    z.regex(ISO_DATE, 'Expected a date as YYYY-MM-DD.'),
    z.refine((value) => {
      const [y, m, d] = value.split('-').map(Number) as [number, number, number];
      const date = new Date(Date.UTC(y, m - 1, d));
      return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
    }, 'Not a valid calendar date.'),
    z.meta({ description: 'Calendar date (YYYY-MM-DD)', example: '2025-01-31', format: 'date' }),
  );

/** E.164: `+`, country code, up to 15 digits in total. */
export const phoneE164 = () =>
  z.string().check(
    z.regex(/^\+[1-9]\d{6,14}$/, 'Expected a phone number in E.164 format, e.g. +971501234567.'),
    z.meta({ description: 'Phone number in E.164 format', example: '+971501234567' }),
  );

export const email = () =>
  z.email('Expected an e-mail address.').check(z.maxLength(254), z.meta({ description: 'E-mail address', example: 'fatima.ali@example.ae' }));

/**
 * UAE Emirates ID `784-YYYY-NNNNNNN-C`: 15 digits starting with the country code 784; the last digit is a Luhn check
 * digit over the 14 before it (as used by identity validators, e.g. Microsoft Purview's "U.A.E. identity card number").
 */
export const emiratesId = () =>
  z.string().check(
    z.regex(/^784-\d{4}-\d{7}-\d$/, 'Expected an Emirates ID as 784-YYYY-NNNNNNN-C.'),
    z.refine((value) => luhnValid(value.replace(/-/g, '')), 'The Emirates ID check digit is wrong.'),
    z.meta({ description: 'UAE Emirates ID (784-YYYY-NNNNNNN-C, Luhn check digit)', example: '784-1990-1234567-6' }),
  );

/** Luhn (mod 10) over a digit string whose last digit is the check digit. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** The Luhn check digit for a digit string (to build valid test ids). */
export function luhnCheckDigit(digits: string): number {
  for (let c = 0; c <= 9; c++) if (luhnValid(`${digits}${c}`)) return c;
  throw new Error('unreachable');
}

/**
 * Languages of notifications (organizations' and employees' settings). Here, not in ./organizations, so the employee
 * schemas do not load the organization schemas for one constant.
 */
export const NOTIFICATION_LOCALES = ['en', 'ar'] as const;
export type NotificationLocale = (typeof NOTIFICATION_LOCALES)[number];

export const MAX_AMOUNT_AED = 1_000_000;

/** An AED amount: a JSON number > 0, at most 2 decimals, at most 1,000,000. Convert with `toFils`. */
export const amount = (options: { max?: number } = {}) =>
  z.number('Expected an amount as a JSON number.').check(
    z.positive('The amount must be greater than 0.'),
    z.maximum(options.max ?? MAX_AMOUNT_AED, `The amount must be at most ${options.max ?? MAX_AMOUNT_AED}.`),
    z.refine(hasAtMostTwoDecimals, 'The amount must have at most 2 decimals.'),
    z.meta({ description: 'Amount in AED (at most 2 decimals)', example: 1500.5 }),
  );

/** `page` ≥ 1 (default 1) and `limit` 1..100 (default 20), coerced from query strings. */
export const paginationShape = {
  page: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(1_000_000)), 1).check(z.meta({ description: 'Page number, from 1', example: 1 })),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 20).check(z.meta({ description: 'Page size, 1 to 100', example: 20 })),
};

export const paginationQuery = () => z.strictObject(paginationShape);

/** An enumeration with its documentation. */
export const enumeration = <const T extends readonly [string, ...string[]]>(values: T, description: string) =>
  z.enum(values).check(z.meta({ description, example: values[0] }));

/**
 * Characters no name or free text may hold: C0 controls (U+0000-U+001F, which include ESC, the start of every ANSI
 * escape, and CR/LF, which split SMS, e-mail headers and CSV rows), DEL and C1 controls (U+007F-U+009F), and the
 * bidirectional controls that reorder what a reader sees (U+200E/U+200F marks, U+202A-U+202E embeddings and
 * overrides, U+2066-U+2069 isolates).
 */
export const UNSAFE_TEXT_CHARACTERS = /[\u0000-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

const SAFE_TEXT_MESSAGE = 'Control characters, ANSI escapes and bidirectional controls are not accepted.';

/** Whether a string is free of control, ANSI-escape and bidi characters (see UNSAFE_TEXT_CHARACTERS). */
export const isSafeText = (value: string): boolean => !UNSAFE_TEXT_CHARACTERS.test(value);

/** Text from a trusted partner (Abhi's webhook) that must not be refused: the unsafe characters removed instead. */
export const withoutUnsafeText = (value: string): string => value.replace(new RegExp(UNSAFE_TEXT_CHARACTERS.source, 'g'), '');

/**
 * The one primitive for free text from callers (names, descriptions, reasons, search terms): a string that refuses
 * control, ANSI-escape and bidi characters, since it reaches SMS, e-mail templates and CSV exports downstream.
 */
export const safeString = () => z.string().check(z.refine(isSafeText, SAFE_TEXT_MESSAGE));

/** A non-empty trimmed string with a length cap (names, codes, free text), free of control and bidi characters. */
export const text = (max = 200) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max), z.refine(isSafeText, SAFE_TEXT_MESSAGE));

/**
 * A free-form object that is validated field by field later (a bulk import row): at most `maxKeys` keys, and values
 * that are JSON scalars (strings at most `maxStringLength` long) — nothing nested to hash, walk or store.
 */
export const scalarRecord = (options: { maxKeys: number; maxStringLength: number }) =>
  z
    .record(
      z.string().check(z.maxLength(64, 'Field names are at most 64 characters.')),
      z.union([z.string().check(z.maxLength(options.maxStringLength)), z.number(), z.boolean(), z.null()], 'Expected a string, number, boolean or null.'),
    )
    .check(z.refine((value) => Object.keys(value).length <= options.maxKeys, `At most ${options.maxKeys} fields.`));

/** A path id parameter object `{ id }` as a UUID. */
export const idParams = () => z.strictObject({ id: uuid() });

/** A query flag given as `true`/`false`. */
export const booleanQuery = () =>
  z.pipe(z.enum(['true', 'false']), z.transform((value) => value === 'true')).check(z.meta({ description: 'true or false' }));

/** A paginated list in this API: `{ items, page, limit, total }`. */
export function pageOf<T extends z.ZodMiniType>(item: T, description: string) {
  return z
    .object({
      items: z.array(item),
      page: z.int().check(z.minimum(1)),
      limit: z.int().check(z.minimum(1), z.maximum(100)),
      total: z.int().check(z.minimum(0)),
    })
    .check(z.meta({ description }));
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
  z.string().check(
    z.trim(),
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[A-Za-z0-9_-]+$/, `Expected ${what} id.`),
    z.meta({ description: `${what} id`, example: '3f0c6a52-8d7e-4a4e-9d0a-6f1b2c3d4e5f' }),
  );

/** A money value in responses: JSON number, at most 2 decimals. */
export const money = (description: string) => z.number().check(z.meta({ description: `${description} (AED, at most 2 decimals)`, example: 1500.5 }));

export const isoDateTime = () => z.string().check(z.meta({ description: 'Date and time (ISO 8601, UTC)', format: 'date-time', example: '2025-01-31T08:15:00.000Z' }));

/** A query string with a search term (trimmed; empty means absent). */
export const searchTerm = (max = 100) =>
  z.pipe(
    z.optional(safeString().check(z.trim(), z.maxLength(max))),
    z.transform((value) => (value ? value : undefined)),
  );
