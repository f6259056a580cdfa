import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Request signing exactly as the Abhi SDK's `RequestSigner` (reference §4), applied to every request including the
 * login when `ABHI_SIGNING_ENABLED=true`. Each attempt (retries included) is signed again with a fresh timestamp.
 *
 * stringToSign = METHOD \n PATH \n CANONICAL_QUERY \n CANONICAL_HEADERS \n hex(sha256(body)) \n TIMESTAMP
 * - PATH: the full decoded URL path, base path included (`/uat-open-api/employees`).
 * - CANONICAL_QUERY: the raw query split on `&`, the still-encoded `k=v` parts sorted, joined with `&` ('' if none).
 * - CANONICAL_HEADERS: `authorization`, `content-type`, `x-timestamp` in that fixed order, each present one as
 *   `name:trimmed value`, joined with `\n` (so this part spans several lines).
 * signature = lowercase hex HMAC-SHA256(secret, stringToSign), sent as `X-Signature`; timestamp as `X-Timestamp`.
 */
export interface SignableRequest {
  readonly method: string;
  /** The full URL (base path and query included) the request goes to. */
  readonly url: string;
  /** Header values by lowercase name; only authorization and content-type matter here. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** Exact body bytes/text sent ('' when there is none). */
  readonly body: string;
}

export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SIGNED_HEADERS = ['authorization', 'content-type', 'x-timestamp'] as const;

export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  // Byte-order sort of the still-encoded parts, like Go's sort.Strings (all parts are ASCII once encoded).
  return rawQuery
    .split('&')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .join('&');
}

export function stringToSign(request: SignableRequest, timestamp: number): string {
  const url = new URL(request.url);
  const headers: Record<string, string | undefined> = { ...request.headers, 'x-timestamp': String(timestamp) };
  const canonicalHeaders = SIGNED_HEADERS.flatMap((name) => {
    const value = headers[name]?.trim();
    return value ? [`${name}:${value}`] : [];
  }).join('\n');
  return [
    request.method.toUpperCase(),
    decodePath(url.pathname),
    canonicalQuery(url.search.startsWith('?') ? url.search.slice(1) : url.search),
    canonicalHeaders,
    createHash('sha256').update(request.body, 'utf8').digest('hex'),
    String(timestamp),
  ].join('\n');
}

/** Returns the two headers to add: `X-Timestamp` and `X-Signature`. */
export function signRequest(request: SignableRequest, secret: string, nowMs: number = Date.now()): { 'X-Timestamp': string; 'X-Signature': string } {
  const timestamp = Math.floor(nowMs / 1000);
  const signature = createHmac('sha256', secret).update(stringToSign(request, timestamp), 'utf8').digest('hex');
  return { 'X-Timestamp': String(timestamp), 'X-Signature': signature };
}

/** The SDK's `VerifySignature`: rejects a missing/unparsable timestamp or one more than `windowSeconds` away. */
export function verifySignature(
  request: SignableRequest,
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  nowMs: number = Date.now(),
  windowSeconds = 300,
): boolean {
  if (!headers.timestamp || !/^-?\d+$/.test(headers.timestamp) || !headers.signature) return false;
  const timestamp = Number(headers.timestamp);
  if (Math.abs(Math.floor(nowMs / 1000) - timestamp) > windowSeconds) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(stringToSign(request, timestamp), 'utf8').digest('hex'));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}
