import type * as z from '#shared/zod';
import * as S from '../schemas';
import type { CallOptions } from '../transport';
import { canonicalQuery, id, pageQuery, type AbhiResourceContext, type Query } from './context';

/** `client.masterData`: banks and business types (group `masterdata`, cached 1 h). */
/** Schemas are passed as thunks: the group is built at the first call, not when the client is constructed. */
export function masterDataResource(abhi: AbhiResourceContext) {
  const listOf = <T>(kind: 'banks' | 'businessTypes', path: string, schema: () => z.ZodMiniType<T>) => (opts: S.MasterDataListOptions = {}, options?: CallOptions) => {
    const query: Query = { ...pageQuery(opts), country: opts.country, active: opts.active };
    return abhi.call(
      {
        operation: `masterData.${kind === 'banks' ? 'listBanks' : 'listBusinessTypes'}`,
        group: 'masterdata',
        method: 'GET',
        pathTemplate: path,
        path,
        query,
        schema: schema(),
        idempotent: true,
        cache: { kind, key: `list?${canonicalQuery(query)}` },
      },
      options,
    );
  };
  const getOf = <T>(kind: 'banks' | 'businessTypes', path: string, schema: () => z.ZodMiniType<T>) => (itemId: string, options?: CallOptions) =>
    abhi.call(
      {
        operation: `masterData.${kind === 'banks' ? 'getBank' : 'getBusinessType'}`,
        group: 'masterdata',
        method: 'GET',
        pathTemplate: `${path}/{id}`,
        path: `${path}/${id(itemId)}`,
        schema: schema(),
        idempotent: true,
        cache: { kind, key: `id:${itemId}` },
      },
      options,
    );
  return {
    /** GET /banks?page&limit&country&active (cached 1 h). */
    listBanks: listOf('banks', '/banks', () => S.masterDataSchemas().BankList),
    /** GET /banks/{id} (cached 1 h). */
    getBank: getOf('banks', '/banks', () => S.masterDataSchemas().Bank),
    /** GET /business?page&limit&country&active — business types live under /business (cached 1 h). */
    listBusinessTypes: listOf('businessTypes', '/business', () => S.masterDataSchemas().BusinessTypeList),
    /** GET /business/{id} (cached 1 h). */
    getBusinessType: getOf('businessTypes', '/business', () => S.masterDataSchemas().BusinessType),
  };
}
