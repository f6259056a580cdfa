import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ADVANCE_POLICY, MAX_APPROVAL_TTL_HOURS, resolveAdvancePolicy, type AdvancePolicy } from '#shared/domain/advance-policy';
import { organizationResponses } from '#shared/schemas/organizations';

/**
 * How a stored policy resolves, field by field: every field the API accepts on write is kept as stored; a broken one
 * falls back to its default and never blocks the organization's advances.
 */
const advancePolicySchema = organizationResponses().schemas.AdvancePolicy;
const FIELDS = Object.keys(DEFAULT_ADVANCE_POLICY) as (keyof AdvancePolicy)[];
const numbers = fc.oneof(fc.double({ noNaN: false }), fc.integer({ min: -10, max: 2_000_000 }), fc.constantFrom(0, -0, 1, 27, 28, 31, 32, 3650, 3651, 168, 1e6, 1e6 + 0.01, 2 ** 53));

describe('advance policy: stored fields', () => {
  it('a value the API accepts for a field is kept exactly (the API is at least as strict as resolution)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIELDS), numbers, (field, value) => {
        fc.pre(advancePolicySchema.shape[field].safeParse(value).success);
        expect(resolveAdvancePolicy({ [field]: value })[field]).toBe(value);
      }),
      { numRuns: 3_000 },
    );
  });

  it('each field falls back to its default just outside its bounds, and on non-numbers', () => {
    const outside: Record<keyof AdvancePolicy, unknown[]> = {
      approvalThreshold: [-0.01, 1_000_000.01, Infinity, NaN],
      mfaThreshold: [-1, 2_000_000],
      maxAdvanceAmount: [0, -5, 1_000_001],
      maxAdvancesPerMonth: [0, 32, 2.5],
      minDaysSinceJoining: [-1, 3651, 0.5],
      approvalTtlHours: [0, -1],
      blackoutDaysBeforePayroll: [-1, 28, 1.5],
    };
    for (const field of FIELDS) {
      for (const value of [...outside[field], '5', null, true, {}, [3]]) {
        expect(resolveAdvancePolicy({ ...DEFAULT_ADVANCE_POLICY, [field]: value })[field], `${field} = ${String(value)}`).toBe(DEFAULT_ADVANCE_POLICY[field]);
      }
    }
  });

  it('inclusive bounds are kept; an approval window beyond the workflow’s limit is shortened to it', () => {
    const edge: Partial<AdvancePolicy> = { approvalThreshold: 0, mfaThreshold: 1_000_000, maxAdvanceAmount: 0.01, maxAdvancesPerMonth: 31, minDaysSinceJoining: 3650, blackoutDaysBeforePayroll: 27, approvalTtlHours: 0.5 };
    expect(resolveAdvancePolicy(edge)).toEqual({ ...DEFAULT_ADVANCE_POLICY, ...edge });
    expect(resolveAdvancePolicy({ approvalTtlHours: MAX_APPROVAL_TTL_HOURS + 0.5 }).approvalTtlHours).toBe(MAX_APPROVAL_TTL_HOURS);
    expect(Object.isFrozen(resolveAdvancePolicy({}))).toBe(true);
  });
});
