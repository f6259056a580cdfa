import * as z from '#shared/zod';
import { builtOnce, named } from './catalog';
import { pageOf, paginationShape, searchTerm } from './common';

/** Banks and business types: Abhi master data, cached (one Abhi call per cache TTL) and paginated here. */
const activeFilter = z
  .pipe(
    z.optional(z.enum(['true', 'false'])),
    z.transform((value: 'true' | 'false' | undefined) => (value === undefined ? undefined : value === 'true')),
  )
  .check(z.meta({ description: 'Only active (true) or inactive (false) entries' }));

export const listBanksQuery = z.strictObject({
  ...paginationShape,
  country: searchTerm(60).check(z.meta({ description: 'Country (case-insensitive), e.g. UAE' })),
  active: activeFilter,
  search: searchTerm(100).check(z.meta({ description: 'Part of the name or code (case-insensitive)' })),
});
export type ListBanksQuery = z.output<typeof listBanksQuery>;

export const listBusinessTypesQuery = z.strictObject({
  ...paginationShape,
  country: searchTerm(60).check(z.meta({ description: 'Country (case-insensitive), e.g. UAE' })),
  active: activeFilter,
  search: searchTerm(100).check(z.meta({ description: 'Part of the name (case-insensitive)' })),
});
export type ListBusinessTypesQuery = z.output<typeof listBusinessTypesQuery>;

/**
 * The names the route table uses for this domain's schemas, also their OpenAPI component names (ADR 0026). The answers
 * are built on first call (`builtOnce`), so a function that only validates requests neither bundles nor builds them.
 */
export const MASTER_DATA_REQUESTS = named({
  ListBanksQuery: listBanksQuery,
  ListBusinessTypesQuery: listBusinessTypesQuery,
});
export function masterDataResponses() {
  return builtOnce(masterDataAnswers);
}

function masterDataAnswers() {
  const bankSchema = z
    .object({
      id: z.string(),
      name: z.string(),
      code: z.nullable(z.string()),
      country: z.nullable(z.string()),
      isActive: z.boolean(),
      swiftCode: z.nullable(z.string()),
      bankType: z.nullable(z.string()),
    })
    .check(z.meta({ description: 'A bank' }));

  const businessTypeSchema = z
    .object({
      id: z.string(),
      name: z.string(),
      country: z.nullable(z.string()),
      description: z.nullable(z.string()),
      isActive: z.boolean(),
    })
    .check(z.meta({ description: 'A business type' }));

  return named({
    Bank: bankSchema,
    BusinessType: businessTypeSchema,
    BankPage: pageOf(bankSchema, 'A page of banks, ordered by name, id'),
    BusinessTypePage: pageOf(businessTypeSchema, 'A page of business types, ordered by name, id'),
  });
}

type Answers = ReturnType<typeof masterDataResponses>['schemas'];
export type BankView = z.infer<Answers['Bank']>;
export type BusinessTypeView = z.infer<Answers['BusinessType']>;
