import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '#shared/events/types';
import { provisionUser } from '#shared/use-cases/identity/provisioning';
import { MemoryDirectory, MemoryRecords } from '../../support/memory-ports';

/** User provisioning (use-cases/identity/provisioning.ts): the directory follows the current rows, whatever the event order. */
const event = (type: string, payload: Record<string, unknown>): DomainEvent => ({ id: randomUUID(), type, version: 1, time: new Date(0).toISOString(), payload });

describe('user provisioning', () => {
  it('an employee with an e-mail gets an enabled employee user; offboarding disables it; redelivery changes nothing', async () => {
    const records = new MemoryRecords();
    const directory = new MemoryDirectory();
    records.employee({ id: 'emp-1', organization_id: 'org-1', email: 'Fatima.Ali@Example.AE', first_name: 'Fatima', last_name: 'Ali' });
    const created = event('employee.created', { employeeId: 'emp-1' });
    await provisionUser(created, records, directory);
    await provisionUser(created, records, directory);
    expect([...directory.users.values()]).toEqual([
      { email: 'fatima.ali@example.ae', firstName: 'Fatima', lastName: 'Ali', roles: ['employee'], organizationId: 'org-1', employeeId: 'emp-1', enabled: true },
    ]);
    records.employee({ ...records.employees.get('emp-1')!, status: 'deleted' });
    expect(await provisionUser(event('employee.deleted', { employeeId: 'emp-1' }), records, directory)).toEqual({ kind: 'disable', email: 'fatima.ali@example.ae' });
    expect(directory.users.get('fatima.ali@example.ae')?.enabled).toBe(false);
    // A late employee.updated for an employee deleted since: the current row decides, the user stays disabled.
    await provisionUser(event('employee.updated', { employeeId: 'emp-1' }), records, directory);
    expect(directory.users.get('fatima.ali@example.ae')?.enabled).toBe(false);
  });

  it('an organization with an e-mail gets its organization admin', async () => {
    const records = new MemoryRecords();
    const directory = new MemoryDirectory();
    records.organization({ id: 'org-1', email: 'HR@Acme.AE' });
    await provisionUser(event('organization.created', { organizationId: 'org-1' }), records, directory);
    expect(directory.users.get('hr@acme.ae')).toMatchObject({ roles: ['organization_admin'], organizationId: 'org-1', enabled: true });
  });

  it('nothing to provision: no e-mail, an unknown record, or an event naming none', async () => {
    const records = new MemoryRecords();
    const directory = new MemoryDirectory();
    records.employee({ id: 'emp-2', organization_id: 'org-1', email: null });
    records.organization({ id: 'org-2', email: null });
    const outcomes = await Promise.all([
      provisionUser(event('employee.created', { employeeId: 'emp-2' }), records, directory),
      provisionUser(event('employee.created', { employeeId: 'emp-unknown' }), records, directory),
      provisionUser(event('employee.created', {}), records, directory),
      provisionUser(event('organization.created', { organizationId: 'org-2' }), records, directory),
    ]);
    expect(outcomes.map((o) => o.kind === 'none' && o.reason)).toEqual([
      'employee has no e-mail to sign in with',
      'employee not found',
      'event names no employee',
      'organization has no e-mail for its admin',
    ]);
    expect(directory.users.size).toBe(0);
  });
});
