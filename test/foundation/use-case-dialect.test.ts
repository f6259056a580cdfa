import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AbhiConflictError,
  AbhiNotFoundError,
  AbhiRequestValidationError,
  AbhiServerError,
  AbhiTimeoutError,
  AbhiValidationError,
  CircuitOpenError,
} from '#shared/abhi/errors';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '#shared/domain/errors';
import { classifyAbhiError, translateAbhiError } from '#shared/use-cases/abhi-errors';
import { abhiCallOptions, DEADLINE_RESERVES_MS, deadlineFrom, MIN_ABHI_BUDGET_MS, type Invocation } from '#shared/use-cases/invocation';

/**
 * The one dialect of ADR 0024, without engines: one deadline policy, one translation of Abhi's errors (whether a use
 * case sees the client's error or the classified AbhiCallError), and the wiring's folder rules.
 */
const at = { operation: 'employees.get', endpoint: 'GET /employees/{id}' };

describe('one deadline policy', () => {
  it('keeps the named reserve of the remaining time, and never less than one short attempt', () => {
    const now = 1_000_000;
    expect(deadlineFrom(29_000, 'answer', now)).toBe(now + 29_000 - DEADLINE_RESERVES_MS.answer);
    expect(deadlineFrom(60_000, 'task', now)).toBe(now + 60_000 - DEADLINE_RESERVES_MS.task);
    expect(deadlineFrom(60_000, 'batch', now)).toBe(now + 60_000 - DEADLINE_RESERVES_MS.batch);
    expect(deadlineFrom(1_200, 'batch', now)).toBe(now + MIN_ABHI_BUDGET_MS);
  });

  it('turns an invocation into the client options: bulk priority, a patient wait bounded by the deadline less one attempt', () => {
    const base: Invocation = { correlationId: 'req-1', deadline: Date.now() + 60_000, patience: 'interactive' };
    expect(abhiCallOptions(base, { bypassCache: true })).toEqual({ deadline: base.deadline, correlationId: 'req-1', bypassCache: true });
    expect(abhiCallOptions({ ...base, patience: 'bulk' })).toEqual({ deadline: base.deadline, correlationId: 'req-1', priority: 'bulk' });
    const patient = abhiCallOptions({ ...base, patience: 'patient' }, { attemptMs: 10_000 });
    // 60 s left, less one 10 s attempt and the 1 s reserve (a few ms pass while the test runs).
    expect(patient.maxRateLimitWaitMs).toBeGreaterThan(48_900);
    expect(patient.maxRateLimitWaitMs).toBeLessThanOrEqual(49_000);
    expect(patient).not.toHaveProperty('attemptMs');
    // Almost out of time: still the client's own short wait.
    expect(abhiCallOptions({ ...base, deadline: Date.now() + 5_000, patience: 'patient' }, { attemptMs: 10_000 }).maxRateLimitWaitMs).toBe(2_000);
  });
});

describe('one translation of Abhi errors into problems', () => {
  const requestLevel: [string, unknown, unknown, number][] = [
    ['not found', new AbhiNotFoundError(404, 'Not found', undefined, at), NotFoundError, 404],
    ['a conflict naming a unique field', new AbhiConflictError(409, 'Conflict', 'emiratesId already belongs to another employee', at), ConflictError, 409],
    ['refused data', new AbhiValidationError(422, 'Unprocessable', 'salary too low', at), UnprocessableError, 422],
    ['data the client refused before sending', new AbhiRequestValidationError([{ field: 'email', message: 'is not an e-mail' }], at), ValidationError, 400],
  ];

  it.each(requestLevel)('%s: the same answer from the client error and from its classified AbhiCallError', (_name, error, type, status) => {
    for (const seen of [error, classifyAbhiError(error)]) {
      const answer = translateAbhiError(seen, 'Employee');
      expect(answer).toBeInstanceOf(type as new (...args: never[]) => unknown);
      expect((answer as { status: number }).status).toBe(status);
    }
  });

  it('a conflict confirms nothing about the record that holds the value', () => {
    const answer = translateAbhiError(classifyAbhiError(new AbhiConflictError(409, 'Conflict', 'emiratesId 784-1990-1234567-1 already exists', at)), 'Employee');
    expect((answer as Error).message).not.toMatch(/784|emiratesId/);
  });

  it.each([
    ['a 5xx', new AbhiServerError(500, 'Internal', undefined, at)],
    ['a timeout', new AbhiTimeoutError('no answer in 8000 ms', true, at)],
    ['an open breaker', new CircuitOpenError('employees', 20, at)],
  ])('%s leaves as the client error for the HTTP edge (502/503/504), also from an AbhiCallError', (_name, error) => {
    expect(translateAbhiError(error, 'Employee')).toBe(error);
    expect(translateAbhiError(classifyAbhiError(error), 'Employee')).toBe(error);
  });
});

describe('wiring in one home', () => {
  const functionsDir = path.resolve('functions');
  const domains = fs.readdirSync(functionsDir).filter((d) => d !== 'shared' && fs.statSync(path.join(functionsDir, d)).isDirectory());
  const entries = domains.flatMap((d) => fs.readdirSync(path.join(functionsDir, d)).filter((f) => f.endsWith('.ts')).map((f) => path.join(d, f)));

  it('no function folder imports another function folder (they share code only through #shared)', () => {
    const offenders = entries.filter((entry) => /from '\.\.\//.test(fs.readFileSync(path.join(functionsDir, entry), 'utf8')));
    expect(entries.length).toBeGreaterThan(50);
    expect(offenders).toEqual([]);
  });

  it('no adapter folder holds wiring, and no use case reads an ambient invocation', () => {
    const files = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    // A composition root is a `…Deps()` builder; they live in functions/shared/wiring only.
    const roots = files(functionsDir).filter((f) => /export function \w+Deps\(/.test(fs.readFileSync(f, 'utf8')));
    expect(roots.length).toBeGreaterThan(5);
    expect(roots.filter((f) => !f.includes(`${path.sep}shared${path.sep}wiring${path.sep}`))).toEqual([]);
    const ambient = files(functionsDir).filter((f) => fs.readFileSync(f, 'utf8').includes('AsyncLocalStorage'));
    expect(ambient).toEqual([]);
  });

  it('use cases reach PostgreSQL through their ports, not the pool (the tenant-scope helpers too)', () => {
    const files = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    const useCases = path.join(functionsDir, 'shared/use-cases');
    const poolCallers = files(useCases).filter((f) => /\b(getPool|getReaderPool|withTransaction)\(/.test(fs.readFileSync(f, 'utf8')));
    expect(files(useCases).length).toBeGreaterThan(20);
    expect(poolCallers.map((f) => path.relative(useCases, f))).toEqual([]);
  });
});
