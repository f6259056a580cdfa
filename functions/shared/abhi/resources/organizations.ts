import { AbhiOutcomeUnknownError } from '../errors';
import * as S from '../schemas';
import type { CallOptions } from '../transport';
import { canonicalQuery, id, pageQuery, whenTrue, type AbhiResourceContext, type Query } from './context';

/** `client.organizations`: the /organizations endpoints (group `organizations`). */
export function organizationsResource(abhi: AbhiResourceContext) {
  const list = (opts: S.OrganizationListOptions = {}, options?: CallOptions) => {
    const query: Query = { ...pageQuery(opts), from: opts.from, to: opts.to, showInactive: whenTrue(opts.showInactive), column: opts.column, order: opts.order };
    return abhi.call(
      {
        operation: 'organizations.list',
        group: 'organizations',
        method: 'GET',
        pathTemplate: '/organizations',
        path: '/organizations',
        query,
        schema: S.organizationSchemas().OrganizationList,
        idempotent: true,
        cache: { kind: 'organizations', key: `list?${canonicalQuery(query)}` },
      },
      options,
    );
  };
  return {
    /** GET /organizations?page&limit&from&to&showInactive&column&order (cached 30 min). */
    list,
    /** GET /organizations/{id} (cached 30 min). */
    get: (organizationId: string, options?: CallOptions) =>
      abhi.call(
        {
          operation: 'organizations.get',
          group: 'organizations',
          method: 'GET',
          pathTemplate: '/organizations/{organizationId}',
          path: `/organizations/${id(organizationId)}`,
          schema: S.organizationSchemas().Organization,
          idempotent: true,
          cache: { kind: 'organizations', key: `id:${organizationId}` },
        },
        options,
      ),
    /**
     * POST /organizations → `{message, data:{users, organizationId}}` (the generated user passwords and MFA secrets
     * are only in this answer: the use case stores them with the field cipher, `portal_credentials`). A lost answer is looked up by
     * managementAlias; if the organization exists its credentials are gone, so `AbhiOutcomeUnknownError` is thrown
     * with the organization id as `reference` instead of creating a second one.
     */
    create: async (request: S.CreateOrganizationRequest, options?: CallOptions) => {
      const body = abhi.validate(S.organizationSchemas().CreateOrganizationRequest, request, 'organizations.create', 'POST /organizations');
      const result = await abhi.call<S.CreateOrganizationResult>(
        {
          operation: 'organizations.create',
          group: 'organizations',
          method: 'POST',
          pathTemplate: '/organizations',
          path: '/organizations',
          body,
          schema: S.organizationSchemas().CreateOrganizationResult,
          idempotent: false,
          reference: body.managementAlias,
          resolveUnknown: async (deadline) => {
            for (let page = 1; page <= 50; page++) {
              const result = await list({ page, limit: 100, showInactive: true }, { deadline, bypassCache: true });
              const existing = result.results.find((o) => o.managementAlias === body.managementAlias);
              if (existing) {
                throw new AbhiOutcomeUnknownError(
                  `organization '${body.managementAlias}' was created (id ${existing.id}) but the answer with its generated user credentials was lost; reset those users' passwords at Abhi`,
                  existing.id,
                  { operation: 'organizations.create', endpoint: 'POST /organizations' },
                );
              }
              if (result.results.length < 100) break;
            }
            return { found: false };
          },
        },
        options,
      );
      await abhi.invalidate('organizations');
      return result;
    },
  };
}
