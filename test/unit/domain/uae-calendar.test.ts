import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { uaeMonth, uaeMonthStart, uaeToday } from '#shared/domain/advance-policy';

/** The one UAE calendar (it replaced the balance-refresh consumer's own `currentUaeMonth`, built on Intl). */
const dubai = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Dubai', year: 'numeric', month: 'numeric', day: 'numeric' });
const partsOf = (instant: Date) => Object.fromEntries(dubai.formatToParts(instant).map((p) => [p.type, Number(p.value)]));
const instants = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true });

describe('the UAE calendar (UTC+4, no daylight saving)', () => {
  it('uaeMonth and uaeToday agree with the IANA zone Asia/Dubai at every instant', () => {
    fc.assert(
      fc.property(instants, (instant) => {
        const parts = partsOf(instant);
        expect(uaeMonth(instant)).toEqual({ year: parts.year, month: parts.month });
        expect(uaeToday(instant)).toBe(`${parts.year}-${String(parts.month).padStart(2, '0')}-${String(parts.day).padStart(2, '0')}`);
      }),
      { numRuns: 2_000 },
    );
  });

  it('the month turns at 20:00 UTC on the last day, and uaeMonthStart is that instant', () => {
    expect(uaeMonth(new Date('2025-12-31T19:59:59.999Z'))).toEqual({ year: 2025, month: 12 });
    expect(uaeMonth(new Date('2025-12-31T20:00:00.000Z'))).toEqual({ year: 2026, month: 1 });
    expect(uaeMonthStart(new Date('2026-01-15T12:00:00Z')).toISOString()).toBe('2025-12-31T20:00:00.000Z');
    fc.assert(
      fc.property(instants, (instant) => {
        const start = uaeMonthStart(instant);
        expect(start.getTime()).toBeLessThanOrEqual(instant.getTime());
        expect(uaeMonth(start)).toEqual(uaeMonth(instant));
        expect(uaeMonth(new Date(start.getTime() - 1))).not.toEqual(uaeMonth(instant));
      }),
      { numRuns: 1_000 },
    );
  });
});
