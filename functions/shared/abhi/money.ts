import { filsToNumber, toFils, type Fils } from '#shared/domain/money';

/**
 * Abhi speaks AED as JSON numbers (major units, float64 in its SDK) and `Employee.netSalary` as a string. Inside the
 * platform money is integer fils (`#shared/domain/money`); these helpers are the only place the two meet.
 */

/** Fils → the JSON number Abhi expects (`1250n` → `12.5`). */
export function toAbhiMoney(fils: Fils): number {
  return filsToNumber(fils);
}

/** Fils → Abhi's string form for `netSalary` (`800000n` → `"8000.00"`). */
export function toAbhiMoneyString(fils: Fils): string {
  const negative = fils < 0n;
  const abs = negative ? -fils : fils;
  return `${negative ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/**
 * An amount Abhi returned (number or numeric string) → fils, exactly. Abhi may compute amounts with more than two
 * decimals (it is float64 on its side); those are rounded half away from zero to the fils, on the decimal text, never
 * with float arithmetic.
 */
export function fromAbhiMoney(amount: number | string): Fils {
  const text = typeof amount === 'number' ? plain(amount) : amount.trim();
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new RangeError(`Not an amount: ${String(amount)}`);
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length <= 2) return toFils(`${sign}${whole}${fraction ? `.${fraction}` : ''}`);
  let fils = BigInt(whole!) * 100n + BigInt(fraction.slice(0, 2));
  if (fraction.charCodeAt(2) >= 53 /* '5' */) fils += 1n;
  return sign === '-' ? -fils : fils;
}

function plain(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`Not a finite amount: ${n}`);
  const text = n.toString();
  if (!/e/i.test(text)) return text;
  // Exponent form (tiny or huge numbers): expand through toFixed, which is exact enough for 20 digits.
  return n.toFixed(20).replace(/\.?0+$/, '');
}

export type { Fils };
