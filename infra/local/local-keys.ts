import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The content of `file` under the git-ignored `.local/`, written by `create` at the first start (directory 0700, file
 * 0600, atomically: of two starters the first one's stands) and read at every start after. The local issuer's signing
 * key and the stack's generated keys are kept this way.
 */
export async function keptFile(file: string, create: () => string | Promise<string>): Promise<string> {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(file)) {
    const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomUUID()}`);
    fs.writeFileSync(temp, await create(), { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(temp, file); // fails if another process created the file first: then theirs is used
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }
  if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  return fs.readFileSync(file, 'utf8');
}

/**
 * 32 random bytes, kept in `dir` (`keptFile`) when one is given, so what the local stack sealed before a restart still
 * opens after it. Without `dir`, fresh bytes.
 */
export async function generatedKey(dir: string | undefined, name: string): Promise<Buffer> {
  if (!dir) return randomBytes(32);
  const file = path.join(dir, `${name}.key`);
  const kept = Buffer.from((await keptFile(file, () => `${randomBytes(32).toString('base64')}\n`)).trim(), 'base64');
  if (kept.length === 32) return kept;
  throw new Error(`${file} does not hold 32 bytes in base64: delete it to generate a new key (what it sealed becomes unreadable).`);
}
