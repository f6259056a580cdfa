/**
 * The `wait` preference of an RFC 7240 `Prefer` header (`Prefer: wait=10`, also among others:
 * `Prefer: respond-async, wait=10`). Undefined when absent or malformed; capped at `maxSeconds` (the server may
 * honour less than asked, and says what it applied in `Preference-Applied`).
 */
export function preferredWaitSeconds(header: string | undefined, maxSeconds: number): number | undefined {
  if (!header) return undefined;
  for (const preference of header.split(',')) {
    const [token = ''] = preference.split(';');
    const match = /^\s*wait\s*=\s*"?(\d{1,6})"?\s*$/i.exec(token);
    if (match) return Math.min(Number(match[1]), maxSeconds);
  }
  return undefined;
}
