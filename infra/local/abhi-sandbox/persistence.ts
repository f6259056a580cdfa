import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SandboxAuth, SandboxUser } from './auth';
import type { DomainSnapshot, SandboxDomain } from './domain';

/**
 * The sandbox's records in a file beside PostgreSQL's data (`.local/abhi-sandbox/state.json` under `npm start`), so a
 * restart finds the organizations, employees, advances and users of the earlier run, like the mirror does; without
 * it the sandbox would start from its seed and hand out the earlier run's ids to new records.
 * Sessions are not kept (the token key is new at every start: clients log in again). Money (bigint fils) is written
 * as `{"$fils": "…"}`.
 */
const VERSION = 1;

interface StateFile {
  readonly version: number;
  readonly domain: DomainSnapshot;
  readonly users: SandboxUser[];
  readonly passwordResets: SandboxAuth['passwordResets'];
}

export function saveSandboxState(file: string, domain: SandboxDomain, auth: SandboxAuth): void {
  const state: StateFile = {
    version: VERSION,
    domain: domain.snapshot(),
    users: [...auth.users.values()].map(({ session: _session, ...user }) => user),
    passwordResets: auth.passwordResets,
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(state, (_key, value: unknown) => (typeof value === 'bigint' ? { $fils: value.toString() } : value)), { mode: 0o600 });
  fs.renameSync(temporary, file); // atomic: a crash mid-write leaves the previous state, never half a file
}

/** Loads the state file into `domain` and `auth`; false when there is none (first start: the seed stays). */
export function loadSandboxState(file: string, domain: SandboxDomain, auth: SandboxAuth): boolean {
  if (!fs.existsSync(file)) return false;
  let state: StateFile;
  try {
    state = JSON.parse(fs.readFileSync(file, 'utf8'), (_key, value: unknown) =>
      value && typeof value === 'object' && '$fils' in value ? BigInt((value as { $fils: string }).$fils) : value,
    ) as StateFile;
  } catch (error) {
    throw new Error(`The Abhi sandbox state file ${file} is unreadable (${(error as Error).message}); run \`npm start -- --fresh\` to start over.`);
  }
  if (state.version !== VERSION) {
    throw new Error(`The Abhi sandbox state file ${file} has version ${state.version}, this checkout writes ${VERSION}; run \`npm start -- --fresh\` to start over.`);
  }
  domain.restore(state.domain, randomInt(1, 2 ** 31));
  auth.restore(state.users, state.passwordResets);
  return true;
}
