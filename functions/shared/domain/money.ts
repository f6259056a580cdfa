/**
 * Money in AED, held as integer fils (1 AED = 100 fils) in a bigint so arithmetic is exact. The API speaks JSON
 * numbers with at most two decimals; PostgreSQL stores NUMERIC(14,2); Abhi wants numbers (and `netSalary` as a string).
 */
export type Fils = bigint;

const AMOUNT_PATTERN = /^-?\d{1,12}(\.\d{1,2})?$/;

/** Parses `12`, `12.5`, `"12.50"` exactly. Throws on more than two decimals, exponents or non-finite input. */
export function toFils(amount: number | string): Fils {
  const text = typeof amount === 'number' ? numberToPlainString(amount) : amount.trim();
  if (!AMOUNT_PATTERN.test(text)) throw new RangeError(`Not an AED amount with at most 2 decimals: ${String(amount)}`);
  const negative = text.startsWith('-');
  const [whole = '0', fraction = ''] = text.replace('-', '').split('.');
  const fils = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
  return negative ? -fils : fils;
}

/** `1250n` → `"12.50"`, the form PostgreSQL NUMERIC and Abhi's string fields accept. */
export function filsToDecimalString(fils: Fils): string {
  const negative = fils < 0n;
  const abs = negative ? -fils : fils;
  const text = `${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
  return negative ? `-${text}` : text;
}

/** `1250n` → `12.5`: safe because every amount here is far below 2^53 fils. */
export function filsToNumber(fils: Fils): number {
  return Number(filsToDecimalString(fils));
}

/** True when `n` has at most two decimals (what a JSON amount may carry in this API). */
export function hasAtMostTwoDecimals(n: number): boolean {
  return Number.isFinite(n) && AMOUNT_PATTERN.test(numberToPlainString(n));
}

function numberToPlainString(n: number): string {
  if (!Number.isFinite(n)) return 'NaN';
  // toString gives the shortest round-trip form (0.1 → "0.1"); exponent forms are refused by the pattern.
  return n.toString();
}
