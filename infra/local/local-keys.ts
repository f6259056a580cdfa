import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * 32 random bytes, generated at the first start and kept in `dir` (mode 0600, under the git-ignored `.local/`) when
 * one is given, so what the local stack sealed before a restart still opens after it. Without `dir`, fresh bytes.
 */
export function generatedKey(dir: string | undefined, name: string): Buffer {
  if (!dir) return randomBytes(32);
  const file = path.join(dir, `${name}.key`);
  if (fs.existsSync(file)) {
    const kept = Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
    if (kept.length === 32) return kept;
    throw new Error(`${file} does not hold 32 bytes in base64: delete it to generate a new key (what it sealed becomes unreadable).`);
  }
  const fresh = randomBytes(32);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, `${fresh.toString('base64')}\n`, { mode: 0o600 });
  return fresh;
}
