import fs from 'node:fs';
import path from 'node:path';
import type { MachineInfo } from './machine';
import type { BenchOptions, PartName } from './options';

export const BENCH_DIR = path.resolve(import.meta.dirname, '..');
export const PROJECT_ROOT = path.resolve(BENCH_DIR, '../..');
export const RESULTS_DIR = path.join(BENCH_DIR, 'results');

/** What each part writes to `test/bench/results/<part>.json`; BENCHMARKS.md is rendered from these files. */
export interface PartResult<D = unknown> {
  readonly part: PartName;
  readonly status: 'ok' | 'skipped' | 'failed';
  /** Why the part (or all of it) was skipped or failed. */
  readonly reason?: string;
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly machine: MachineInfo;
  readonly loadAverageAfter1m?: number;
  readonly options: BenchOptions;
  readonly data?: D;
}

export function resultFile(part: PartName): string {
  return path.join(RESULTS_DIR, `${part}.json`);
}

export function writeResult(result: PartResult): void {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  // Compact: the cold-start result alone lists every function's samples, packages and import chains.
  fs.writeFileSync(resultFile(result.part), `${JSON.stringify(result)}\n`);
}

export function readResult<D>(part: PartName): PartResult<D> | undefined {
  try {
    return JSON.parse(fs.readFileSync(resultFile(part), 'utf8')) as PartResult<D>;
  } catch {
    return undefined;
  }
}

/** Progress lines go to stderr: stdout carries the handlers' logs (discarded or parsed). */
export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`.split('\n')[0]!.slice(0, 300);
  return String(error).slice(0, 300);
}

/** A part that cannot run yet (a piece of the API it needs is missing): reported as "skipped: <reason>". */
export class SkipPart extends Error {
  override readonly name = 'SkipPart';
}

/** Cleanups run when the part process is told to stop (SIGTERM/SIGINT), so no engine outlives it. */
const cleanups = new Set<() => Promise<unknown>>();
export function registerCleanup(cleanup: () => Promise<unknown>): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}
export async function runCleanups(): Promise<void> {
  for (const cleanup of [...cleanups].reverse()) await cleanup().catch(() => undefined);
  cleanups.clear();
}
