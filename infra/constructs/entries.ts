import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (the folder with package.json and package-lock.json). */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FUNCTIONS_DIR = path.join(PROJECT_ROOT, 'functions');
export const LOCK_FILE = path.join(PROJECT_ROOT, 'package-lock.json');
export const TSCONFIG = path.join(PROJECT_ROOT, 'tsconfig.json');

/** Turns a route-table / topology entry (`employees/create-employee`) into the absolute path of the file to bundle. */
export type EntryResolver = (entry: string) => string;

export class MissingEntryError extends Error {
  override readonly name = 'MissingEntryError';
}

export function entryFile(entry: string): string {
  return path.join(FUNCTIONS_DIR, `${entry}.ts`);
}

/** The production resolver: the entry file must exist, or synthesis stops with a sentence naming the file and its owner row. */
export const strictEntryResolver: EntryResolver = (entry) => {
  const file = entryFile(entry);
  if (!existsSync(file)) {
    throw new MissingEntryError(
      `Handler entry functions/${entry}.ts does not exist: write it (exporting \`handler\`) or remove its row from functions/shared/routes.ts / topology.ts.`,
    );
  }
  return file;
};

export function missingEntries(entries: readonly string[]): string[] {
  return entries.filter((entry) => !existsSync(entryFile(entry)));
}
