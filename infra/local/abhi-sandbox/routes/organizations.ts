import { randomBytes } from 'node:crypto';
import { base32Encode } from '../auth';
import { SandboxHttpError, type SandboxDomain } from '../domain';
import type { SeedOrganization } from '../seed';
import { bad, isUuid4, ok, paginate, str, type AddRoute } from './route-kit';

/** Sandbox routes for the /organizations endpoints. */
export function organizationsRoutes(route: AddRoute, domain: SandboxDomain): void {
  route('GET', '/organizations', (ctx) => {
    const showInactive = ctx.query.get('showInactive') === 'true';
    const from = ctx.query.get('from');
    const to = ctx.query.get('to');
    const fromMs = from ? Date.parse(from) : undefined;
    const toMs = to ? Date.parse(to.length === 10 ? `${to}T23:59:59.999Z` : to) : undefined;
    if ((from && Number.isNaN(fromMs)) || (to && Number.isNaN(toMs))) throw bad('from and to must be ISO dates');
    const column = ctx.query.get('column') ?? 'organizations.createdAt';
    if (!['organizations.createdAt', 'organizations.name'].includes(column)) throw bad('column must be organizations.createdAt or organizations.name');
    const order = (ctx.query.get('order') ?? 'ASC').toUpperCase();
    if (order !== 'ASC' && order !== 'DESC') throw bad('order must be ASC or DESC');
    const sign = order === 'ASC' ? 1 : -1;
    const filtered = domain.organizations
      .filter((o) => (showInactive || o.active) && (fromMs === undefined || o.createdAt >= fromMs) && (toMs === undefined || o.createdAt <= toMs))
      .sort((a, b) => sign * (column === 'organizations.name' ? a.name.localeCompare(b.name) : a.createdAt - b.createdAt));
    const page = paginate(filtered, ctx.query);
    return ok({ total: page.total, results: page.results.map((o) => domain.organizationJson(o)) });
  });
  route('GET', '/organizations/:id', (ctx) => {
    const org = domain.organizations.find((o) => o.id === ctx.params[0]);
    if (!org) throw new SandboxHttpError(404, 'Not Found', `Organization ${ctx.params[0]} not found`);
    return ok(domain.organizationJson(org));
  });
  route('POST', '/organizations', (ctx) => {
    const b = ctx.body;
    const issues: string[] = [];
    for (const field of ['name', 'industry', 'address', 'city']) if (!str(b[field])) issues.push(`${field} is required`);
    const alias = str(b.managementAlias);
    if (alias.length < 4 || alias.length > 100) issues.push('managementAlias must have 4-100 characters');
    else if (alias !== alias.toLowerCase()) issues.push('managementAlias must be lowercase');
    if (!isUuid4(b.businessTypeId)) issues.push('businessTypeId must be a UUID v4');
    else if (!domain.businessTypes.some((t) => t.id === b.businessTypeId)) issues.push('businessTypeId is unknown');
    let creditLimitFils = 0n;
    try {
      creditLimitFils = domain.parseAmount(b.creditLimit, 'creditLimit');
    } catch (error) {
      issues.push((error as SandboxHttpError).details ?? 'creditLimit is invalid');
    }
    if (b.payrollStartDay !== undefined && b.payrollStartDay !== 0 && (!Number.isInteger(b.payrollStartDay) || (b.payrollStartDay as number) < 1 || (b.payrollStartDay as number) > 31))
      issues.push('payrollStartDay must be 1-31');
    if (b.email !== undefined && b.email !== '' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(str(b.email))) issues.push('email must be an email address');
    if (issues.length) throw new SandboxHttpError(400, 'Validation failed', issues.join('; '));
    if (domain.organizations.some((o) => o.managementAlias === alias)) throw new SandboxHttpError(409, 'Conflict', `managementAlias ${alias} already exists`);
    const now = domain.now;
    const org: SeedOrganization = {
      id: domain.newId(),
      name: str(b.name),
      organizationNumber: Math.max(...domain.organizations.map((o) => o.organizationNumber)) + 1,
      industry: str(b.industry),
      managementAlias: alias,
      organizationType: 'child',
      active: true,
      creditLimitFils,
      address: str(b.address),
      city: str(b.city),
      phone: str(b.phone),
      email: str(b.email),
      payrollStartDay: (b.payrollStartDay as number) || 1,
      businessTypeId: String(b.businessTypeId),
      parentOrganizationId: domain.root.id,
      createdAt: now,
      updatedAt: now,
    };
    domain.organizations.push(org);
    const user = (role: string) => ({
      username: `${alias}.${role}`,
      password: randomBytes(12).toString('base64url'),
      MFAsecret: base32Encode(randomBytes(20)),
    });
    // The real API nests twice: {statusCode, message, data:{message, data:{users, organizationId}}}.
    return ok({ message: 'Organization created successfully', data: { users: { admin: user('admin'), operator: user('operator') }, organizationId: org.id } }, 201, 'Created');
  });
}
