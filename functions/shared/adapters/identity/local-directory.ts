import fs from 'node:fs/promises';
import path from 'node:path';
import type { DirectoryUser, IdentityDirectory } from '#shared/use-cases/identity/provisioning';

/**
 * The local issuer's user directory: one JSON file next to its signing key (`.local/issuer/directory.json`), written by
 * the provisioning consumer and read by `npm run token -- --user <email>`. Writes are atomic (temporary file +
 * rename) and serialized within the process, so a batch of events never loses an update.
 */
export interface LocalDirectoryEntry extends DirectoryUser {
  readonly enabled: boolean;
  readonly updatedAt: string;
}

export const LOCAL_DIRECTORY_FILE = 'directory.json';

export async function readLocalDirectory(file: string): Promise<Record<string, LocalDirectoryEntry>> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, LocalDirectoryEntry>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

export class LocalFileDirectory implements IdentityDirectory {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  createOrUpdateUser(user: DirectoryUser): Promise<void> {
    return this.change((users) => {
      users[user.email] = { ...user, enabled: true, updatedAt: new Date().toISOString() };
    });
  }

  disableUser(email: string): Promise<void> {
    return this.change((users) => {
      const current = users[email];
      if (current) users[email] = { ...current, enabled: false, updatedAt: new Date().toISOString() };
    });
  }

  private change(apply: (users: Record<string, LocalDirectoryEntry>) => void): Promise<void> {
    const next = this.queue.then(async () => {
      const users = await readLocalDirectory(this.file);
      apply(users);
      await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const temp = `${this.file}.${process.pid}.tmp`;
      await fs.writeFile(temp, JSON.stringify(users, null, 2), { mode: 0o600 });
      await fs.rename(temp, this.file);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
