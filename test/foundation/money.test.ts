import { describe, expect, it } from 'vitest';
import { filsToDecimalString, filsToNumber, hasAtMostTwoDecimals, toFils } from '#shared/domain/money';

describe('money is exact', () => {
  it('parses numbers and strings to integer fils', () => {
    expect(toFils(12)).toBe(1200n);
    expect(toFils(0.1)).toBe(10n);
    expect(toFils('1234.5')).toBe(123450n);
    expect(toFils('-0.01')).toBe(-1n);
  });

  it('refuses more than two decimals and non-finite values', () => {
    expect(() => toFils(0.001)).toThrow(RangeError);
    expect(() => toFils(Number.NaN)).toThrow(RangeError);
    expect(() => toFils('1e3')).toThrow(RangeError);
    expect(hasAtMostTwoDecimals(10.25)).toBe(true);
    expect(hasAtMostTwoDecimals(10.255)).toBe(false);
  });

  it('adds without floating-point drift', () => {
    const sum = [0.1, 0.2, 0.3].map(toFils).reduce((a, b) => a + b, 0n);
    expect(filsToDecimalString(sum)).toBe('0.60');
    expect(filsToNumber(sum)).toBe(0.6);
  });
});
