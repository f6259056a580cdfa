import type { Bank, BusinessType } from '#shared/abhi/schemas';
import { paginate, type Page } from '#shared/schemas/common';
import type { BankView, BusinessTypeView, ListBanksQuery, ListBusinessTypesQuery } from '#shared/schemas/master-data';
import type { AbhiDeps, UseCaseContext } from '../employees/context';
import { abhiCallOptions } from '#shared/use-cases/invocation';

/**
 * Banks and business types. The whole list is read from Abhi in one query (limit 1000, the client caches it for an
 * hour) and filtered and paged here, so Abhi sees at most one request per list per cache TTL, whatever the filters.
 */
const FETCH_LIMIT = 1000;
const MAX_PAGES = 20;

async function fetchAll<T>(fetchPage: (page: number) => Promise<{ total: number; results: T[] }>): Promise<T[]> {
  const all: T[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const result = await fetchPage(page);
    all.push(...result.results);
    if (result.results.length < FETCH_LIMIT || all.length >= result.total) break;
  }
  return all;
}

const contains = (value: string | null | undefined, term: string | undefined) => !term || (value ?? '').toLowerCase().includes(term.toLowerCase());
const equalsIgnoringCase = (value: string | null | undefined, term: string | undefined) => !term || (value ?? '').toLowerCase() === term.toLowerCase();
const byNameThenId = (a: { name: string; id: string }, b: { name: string; id: string }) => a.name.localeCompare(b.name, 'en') || a.id.localeCompare(b.id);

export async function listBanks(deps: AbhiDeps, ctx: UseCaseContext, query: ListBanksQuery): Promise<Page<BankView>> {
  const all = await fetchAll((page) => deps.abhi.masterData.listBanks({ page, limit: FETCH_LIMIT }, abhiCallOptions(ctx)));
  const items = all
    .map(toBankView)
    .filter((b) => equalsIgnoringCase(b.country, query.country))
    .filter((b) => query.active === undefined || b.isActive === query.active)
    .filter((b) => contains(b.name, query.search) || contains(b.code, query.search))
    .sort(byNameThenId);
  return paginate(items, query.page, query.limit);
}

export async function listBusinessTypes(deps: AbhiDeps, ctx: UseCaseContext, query: ListBusinessTypesQuery): Promise<Page<BusinessTypeView>> {
  const all = await fetchAll((page) => deps.abhi.masterData.listBusinessTypes({ page, limit: FETCH_LIMIT }, abhiCallOptions(ctx)));
  const items = all
    .map(toBusinessTypeView)
    .filter((t) => equalsIgnoringCase(t.country, query.country))
    .filter((t) => query.active === undefined || t.isActive === query.active)
    .filter((t) => contains(t.name, query.search))
    .sort(byNameThenId);
  return paginate(items, query.page, query.limit);
}

function toBankView(bank: Bank): BankView {
  return {
    id: bank.id,
    name: bank.name,
    code: bank.code ?? null,
    country: bank.country ?? null,
    isActive: bank.isActive ?? true,
    swiftCode: bank.swiftCode ?? null,
    bankType: bank.bankType ?? null,
  };
}

function toBusinessTypeView(type: BusinessType): BusinessTypeView {
  return { id: type.id, name: type.name, country: type.country ?? null, description: type.description ?? null, isActive: type.isActive ?? true };
}
