import { SandboxHttpError, type SandboxDomain } from '../domain';
import { bad, ok, paginate, type AddRoute, type RequestContext } from './route-kit';

/** Sandbox routes for banks and business types (/banks, /business). */
export function masterDataRoutes(route: AddRoute, domain: SandboxDomain): void {
  const masterList = <T extends { country: string; isActive: boolean }>(items: () => T[]) => (ctx: RequestContext) => {
    const country = ctx.query.get('country');
    const active = ctx.query.get('active');
    if (active !== null && active !== 'true' && active !== 'false') throw bad('active must be true or false');
    const filtered = items().filter(
      (item) => (!country || item.country.toLowerCase() === country.toLowerCase()) && (active === null || item.isActive === (active === 'true')),
    );
    return ok(paginate(filtered, ctx.query));
  };
  route('GET', '/banks', masterList(() => domain.banks));
  route('GET', '/banks/:id', (ctx) => {
    const bank = domain.banks.find((b) => b.id === ctx.params[0]);
    if (!bank) throw new SandboxHttpError(404, 'Not Found', `Bank ${ctx.params[0]} not found`);
    return ok(bank);
  });
  route('GET', '/business', masterList(() => domain.businessTypes));
  route('GET', '/business/:id', (ctx) => {
    const type = domain.businessTypes.find((b) => b.id === ctx.params[0]);
    if (!type) throw new SandboxHttpError(404, 'Not Found', `Business type ${ctx.params[0]} not found`);
    return ok(type);
  });
}
