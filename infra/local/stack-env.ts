import fs from 'node:fs';
import path from 'node:path';

/**
 * The running local stack's environment (endpoints, table and queue names, secret ids), written by `npm start` so
 * tools in other terminals (`npm run invoke`) reach the same stack. Local values only; removed when the stack stops.
 * `LOCAL_STACK_ENV_FILE` points elsewhere (tests run their own stacks); otherwise it follows `LOCAL_STATE_DIR`.
 */
export const STACK_ENV_FILE =
  process.env.LOCAL_STACK_ENV_FILE ??
  path.join(process.env.LOCAL_STATE_DIR ? path.resolve(process.env.LOCAL_STATE_DIR) : path.resolve(import.meta.dirname, '../../.local'), 'stack-env.json');

export function writeStackEnv(env: Record<string, string>): void {
  fs.mkdirSync(path.dirname(STACK_ENV_FILE), { recursive: true });
  fs.writeFileSync(STACK_ENV_FILE, JSON.stringify(env, null, 2), { mode: 0o600 });
}

export function removeStackEnv(): void {
  fs.rmSync(STACK_ENV_FILE, { force: true });
}

/** Puts the running stack's environment into this process; false when no stack is running. */
export function loadStackEnv(): boolean {
  if (!fs.existsSync(STACK_ENV_FILE)) return false;
  Object.assign(process.env, JSON.parse(fs.readFileSync(STACK_ENV_FILE, 'utf8')) as Record<string, string>);
  return true;
}
