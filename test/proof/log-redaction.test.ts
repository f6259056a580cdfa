import { randomInt, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { logger } from '#shared/logger';
import { REDACTED, redactEchoedValues, redactText } from '#shared/redaction';
import { emiratesId, masterDataIds, validEmployee } from '../business/helpers';
import { FINAL, startWorkflowTestApi, type WorkflowTestApi } from '../workflow/support';
import { captureProcessOutput } from '../support/log-capture';

/**
 * Issue #15 (5): no personal data in logs. The shared logger (functions/shared/logger.ts → #shared/redaction) redacts
 * by key and by shape in every string it writes; the Abhi client removes echoed values from Abhi's error texts. The
 * flow below runs over real HTTP against the whole local stack, with the handlers logging at DEBUG, and everything
 * written to stdout/stderr/console is scanned for the employee's values.
 */

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
});

let capture: ReturnType<typeof captureProcessOutput> | undefined;

/** Distinctive values: none of them can appear in a log line by coincidence. */
function distinctivePerson() {
  const tag = randomUUID().replace(/\D/g, '').slice(0, 6).padEnd(6, '7');
  return {
    firstName: `Zubaidah${String.fromCharCode(97 + randomInt(26))}`,
    lastName: `Qarawi${String.fromCharCode(97 + randomInt(26))}${String.fromCharCode(97 + randomInt(26))}`,
    accountTitle: `Zubaidah Qarawi ${tag}`,
    emiratesId: emiratesId(),
    accountNumber: `AE07033${String(randomInt(1e9)).padStart(9, '0')}${tag}1`,
    phone: `+97158${String(randomInt(1e7)).padStart(7, '0')}`,
    email: `zubaidah.${tag}@example.ae`,
    netSalary: 23_000 + randomInt(900) + 0.37,
  };
}

function forbiddenForms(person: ReturnType<typeof distinctivePerson>): [string, string][] {
  return Object.entries(person).flatMap(([field, value]) => {
    const text = String(value);
    const forms: [string, string][] = [[field, text]];
    const digits = text.replace(/\D/g, '');
    if (/\d/.test(text) && digits.length >= 7 && digits !== text) forms.push([`${field} (digits only)`, digits]);
    if (field === 'emiratesId') forms.push([`${field} (spaces)`, text.replace(/-/g, ' ')]);
    return forms;
  });
}

describe('redaction rules (the functions the logger applies)', () => {
  it('finds personal data by shape and by label inside free text, and keeps identifiers and amounts that are not personal', () => {
    const text =
      'Employee with Emirates ID 784-1990-1234567-1 (784199012345671) and IBAN AE070331234567890123456 / AE07 0331 2345 6789 0123 456, ' +
      'account 0331234567890, phone +971 50 123 4567 or 0501234567 or 00971501234567, mail fatima.ali@example.ae, ' +
      'firstName: Fatima, "lastName":"Al Mansoori", accountTitle=Fatima Al Mansoori; netSalary: 8000.50, salary=AED 12,000 ' +
      '— request 3f0c1c2e-5b7a-4c1d-9e2f-0123456789ab, amount 250.00, status 409';
    const redacted = redactText(text);
    for (const value of ['784-1990-1234567-1', '784199012345671', 'AE070331234567890123456', 'AE07 0331', '0331234567890', '+971 50 123 4567', '0501234567', '00971501234567', 'fatima.ali@example.ae', 'Fatima', 'Mansoori', '8000.50', '12,000']) {
      expect(redacted, value).not.toContain(value);
    }
    for (const kept of ['3f0c1c2e-5b7a-4c1d-9e2f-0123456789ab', 'amount 250.00', 'status 409', 'firstName: ', 'netSalary: ']) expect(redacted).toContain(kept);
  });

  it("removes the values the Abhi client sent from Abhi's error text, names included", () => {
    const sent = { employeeCode: 'EMP-1', firstName: 'Noor', lastName: 'Haddad', netSalary: 9100.25, department: 'Finance' };
    expect(redactEchoedValues('Employee Noor Haddad (EMP-1, Finance) earns 9100.25', sent)).toBe(`Employee ${REDACTED} ${REDACTED} (EMP-1, Finance) earns ${REDACTED}`);
  });

  it('the shared logger writes no personal value, whether under a key, in the message, or inside an error and its cause', () => {
    const person = distinctivePerson();
    const lines: string[] = [];
    const originals = [process.stdout.write, process.stderr.write] as const;
    process.stdout.write = process.stderr.write = ((chunk: unknown) => lines.push(String(chunk)) > 0) as typeof process.stdout.write;
    try {
      const cause = new Error(`duplicate key (emirates_id)=(${person.emiratesId}) for ${person.email}`);
      logger.error(`Could not save ${person.phone}`, {
        employee: { ...person, id: 'e-1' },
        error: new Error(`validation failed: accountNumber ${person.accountNumber}, salary ${person.netSalary}`, { cause }),
      });
    } finally {
      [process.stdout.write, process.stderr.write] = originals;
    }
    const log = lines.join('');
    expect(log).toContain('"level":"ERROR"');
    expect(log).toContain('"id":"e-1"');
    for (const [what, value] of forbiddenForms(person)) expect(log, `${what} in ${log}`).not.toContain(value);
  });
});

describe('a realistic flow over the whole stack logs none of the personal values', () => {
  let api: WorkflowTestApi;
  let bankId = '';

  beforeAll(async () => {
    capture = captureProcessOutput();
    api = await startWorkflowTestApi({ extraEnv: { POWERTOOLS_LOG_LEVEL: 'DEBUG', ABHI_BREAKER_OPEN_MS: '500' } });
    ({ bankId } = await masterDataIds(api));
  });

  afterAll(async () => {
    await api?.stop();
    capture?.stop();
  });

  it('employee create, an Abhi fault whose message and details repeat the record, a refused value, and an advance', async () => {
    const org = api.employees[0]!.organizationId;
    const hr = await api.token({ role: 'hr_manager', org });
    const created = distinctivePerson();
    const faulted = distinctivePerson();

    // 1. An employee created with distinctive personal data.
    const create = await api.request('POST', '/api/v1/employees', {
      token: hr,
      body: validEmployee(bankId, { ...created, organizationId: org }),
      headers: { 'Idempotency-Key': `e-${randomUUID()}` },
    });
    expect(create.status, JSON.stringify(create.body)).toBe(201);

    // 2. Abhi fails the next create with a message naming the person and details echoing the record (set over HTTP,
    //    as an operator would with PUT /__sandbox/faults).
    const message = `Employee ${faulted.firstName} ${faulted.lastName} (Emirates ID ${faulted.emiratesId}, IBAN ${faulted.accountNumber}, phone ${faulted.phone}, e-mail ${faulted.email}, salary ${faulted.netSalary}) could not be saved`;
    const set = await fetch(`${api.sandbox.url}/__sandbox/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 1, status: 500, message, echoBody: true, paths: ['/employees'], methods: ['POST'] }),
    });
    expect(set.status).toBe(200);
    const failed = await api.request('POST', '/api/v1/employees', { token: hr, body: validEmployee(bankId, { ...faulted, organizationId: org }) });
    await fetch(`${api.sandbox.url}/__sandbox/faults`, { method: 'PUT', body: '{}' });
    expect(failed.status, JSON.stringify(failed.body)).toBeGreaterThanOrEqual(500);
    expect(JSON.stringify(failed.body)).not.toContain(faulted.emiratesId);
    await new Promise((r) => setTimeout(r, 700)); // the breaker closes again

    // 3. A refused value (bad Emirates ID check digit, malformed phone): the validation error reaches the caller only.
    const refused = await api.request('POST', '/api/v1/employees', {
      token: hr,
      body: validEmployee(bankId, { ...faulted, emiratesId: `${faulted.emiratesId.slice(0, -1)}${(Number(faulted.emiratesId.slice(-1)) + 1) % 10}`, organizationId: org }),
    });
    expect(refused.status).toBe(400);

    // 4. An advance end to end (request, workflow tasks, Abhi).
    const employee = api.employees[0]!;
    const advance = await api.requestAdvance(await api.employeeToken(employee), { employeeId: employee.id, amount: 25 });
    expect(advance.status, JSON.stringify(advance.body)).toBe(202);
    expect((await api.waitForStatus(advance.body.id, FINAL)).status).toBe('COMPLETED');
    await api.drainQueues();

    const log = capture!.text();
    // Non-vacuous: the handlers' lines were captured at DEBUG, and the Abhi failure was logged with its (redacted) text.
    for (const routeId of ['createEmployee', 'requestAdvance']) expect(log).toMatch(new RegExp(`"message":"request completed"[^\\n]*"routeId":"${routeId}"`));
    expect(log).toContain('"level":"DEBUG"');
    const failure = log.split('\n').find((line) => line.includes('"message":"request failed"') && line.includes('could not be saved'));
    expect(failure, 'the Abhi failure was not logged with its message').toBeDefined();
    expect(failure).toContain(REDACTED);

    const excerpt = (needle: string) => {
      const at = log.indexOf(needle);
      return log.slice(Math.max(0, at - 200), at + 80).replace(needle, '<<HERE>>');
    };
    for (const [what, value] of [...forbiddenForms(created), ...forbiddenForms(faulted)]) {
      for (const form of new Set([value, JSON.stringify(value).slice(1, -1)])) {
        expect(log.includes(form), `${what} appears in the logs: …${excerpt(form)}…`).toBe(false);
      }
    }
  });
});
