import type { ReportDeps } from '#shared/use-cases/employees/context';
import { abhiClient } from './abhi';
import { readerDeps } from './postgres';

/** Composition root of functions/reports: Abhi's figures and the reader endpoint (the statement needs only the latter). */
let reports: ReportDeps | undefined;

/** The outstanding report: Abhi's figures and the list routes' ports (added to, not spread: their pools are read on each use). */
export function reportDeps(): ReportDeps {
  return (reports ??= Object.defineProperty(readerDeps(), 'abhi', { get: () => abhiClient(), enumerable: true }) as ReportDeps);
}
