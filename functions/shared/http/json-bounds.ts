import type { FieldError } from '#shared/domain/errors';

/**
 * Bounds on the shape of an untrusted JSON body, checked at the edge right after parsing — before validation,
 * idempotency hashing (Powertools deep-sorts the payload recursively: thousands of levels overflow the stack) or any
 * other recursive walk. No request of this API nests deeper than a handful of levels; 32 leaves ample room.
 */
export const MAX_JSON_DEPTH = 32;

/** The path of the first value nested deeper than `maxDepth` (containers counted from 1), or undefined. Iterative. */
export function tooDeeplyNested(where: string, value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const pending: [unknown, number, string[]][] = [[value, 0, [where]]];
  while (pending.length > 0) {
    const [current, depth, path] = pending.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > maxDepth) return shortPath(path);
    for (const [key, child] of Object.entries(current)) {
      if (child !== null && typeof child === 'object') pending.push([child, depth + 1, path.length < 8 ? [...path, key] : path]);
    }
  }
  return undefined;
}

function shortPath(path: string[]): string {
  return path.length < 8 ? path.join('.') : `${path.join('.')}.…`;
}

/** Fields (keys or string values, at any depth) that contain U+0000 (PostgreSQL text cannot hold it); iterative. */
export function nulCharacterFields(where: string, value: unknown): FieldError[] {
  const found: FieldError[] = [];
  const pending: [string, unknown][] = [[where, value]];
  while (pending.length > 0 && found.length < 20) {
    const [path, current] = pending.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) found.push({ field: path, message: 'NUL characters (U+0000) are not accepted.' });
    } else if (current !== null && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        const childPath = `${path}.${key.replace(/\u0000/g, '\\u0000')}`;
        if (key.includes('\u0000')) found.push({ field: childPath, message: 'NUL characters (U+0000) are not accepted.' });
        else pending.push([childPath, child]);
      }
    }
  }
  return found;
}
