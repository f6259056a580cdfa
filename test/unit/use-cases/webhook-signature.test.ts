import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnauthorizedError } from '#shared/auth/errors';
import { signWebhook, verifyWebhookSignature, WEBHOOK_TOLERANCE_SECONDS } from '#shared/use-cases/webhooks/abhi-webhook';

/** Abhi's webhook signature (HMAC-SHA256 over `timestamp.eventId.body`): exactly the signed delivery passes. */
const SECRET = 'unit-tier-webhook-secret-0123456789';
const NOW = new Date('2025-06-01T08:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);
const signed = (body: string, eventId = 'evt-1', timestamp = String(nowSeconds), secret = SECRET) => ({
  'x-abhi-timestamp': timestamp,
  'x-abhi-event-id': eventId,
  'x-abhi-signature': `sha256=${signWebhook(secret, timestamp, eventId, body)}`,
});
const verify = (headers: Record<string, string>, rawBody: string) => verifyWebhookSignature({ secret: SECRET, headers, rawBody, now: NOW });

describe('webhook signature', () => {
  it('accepts the signed delivery, with either prefix and any hex case, and names its event', () => {
    const body = JSON.stringify({ type: 'transaction.status_changed', data: { transactionId: 'tx-1', status: 'settled' } });
    const headers = signed(body);
    expect(verify(headers, body)).toEqual({ eventId: 'evt-1', timestamp: nowSeconds });
    const hex = headers['x-abhi-signature'].slice('sha256='.length);
    expect(verify({ ...headers, 'x-abhi-signature': `v1=${hex.toUpperCase()}` }, body).eventId).toBe('evt-1');
  });

  it('refuses any change to the body, the event id, the timestamp or the secret', () => {
    const ids = fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/);
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ minLength: 1, maxLength: 5 }), ids, ids, (body, extra, eventId, otherId) => {
        fc.pre(eventId !== otherId);
        const headers = signed(body, eventId);
        expect(verify(headers, body).eventId).toBe(eventId);
        expect(() => verify(headers, body + extra)).toThrow(UnauthorizedError);
        expect(() => verify({ ...headers, 'x-abhi-event-id': otherId }, body)).toThrow(UnauthorizedError);
        expect(() => verify({ ...headers, 'x-abhi-timestamp': String(nowSeconds - 1) }, body)).toThrow(UnauthorizedError);
        expect(() => verify(signed(body, eventId, String(nowSeconds), `${SECRET}x`), body)).toThrow(UnauthorizedError);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a delivery outside the tolerance window, however well signed, and malformed headers', () => {
    const body = '{}';
    const at = (offset: number) => signed(body, 'evt-2', String(nowSeconds + offset));
    expect(verify(at(WEBHOOK_TOLERANCE_SECONDS), body).eventId).toBe('evt-2');
    expect(verify(at(-WEBHOOK_TOLERANCE_SECONDS), body).eventId).toBe('evt-2');
    expect(() => verify(at(WEBHOOK_TOLERANCE_SECONDS + 1), body)).toThrow(UnauthorizedError);
    expect(() => verify(at(-WEBHOOK_TOLERANCE_SECONDS - 1), body)).toThrow(UnauthorizedError);
    const good = signed(body);
    for (const broken of [
      { ...good, 'x-abhi-timestamp': '' },
      { ...good, 'x-abhi-timestamp': '1e9' },
      { ...good, 'x-abhi-event-id': '' },
      { ...good, 'x-abhi-event-id': 'evt 1' },
      { ...good, 'x-abhi-signature': 'sha256=xyz' },
      { 'x-abhi-timestamp': good['x-abhi-timestamp'], 'x-abhi-event-id': 'evt-1' },
    ]) {
      expect(() => verify(broken, body)).toThrow(UnauthorizedError);
    }
  });
});
