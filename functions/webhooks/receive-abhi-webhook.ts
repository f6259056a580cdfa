import { apiHandler } from '#shared/http/api-handler';
import { TRANSACTION_REQUESTS } from '#shared/schemas/transactions';
import { receiveAbhiWebhook, verifyWebhookSignature } from '#shared/use-cases/webhooks/abhi-webhook';
import { webhookAdvanceDeps, webhookDeps } from '#shared/wiring/webhooks';

/**
 * POST /webhooks/abhi: status changes pushed by Abhi. HMAC-SHA256 over `<timestamp>.<event id>.<raw body>` (see
 * README.md in this folder), checked before the body is even parsed; a forged, stale or replayed call changes nothing
 * (401, or 200 `duplicate: true` for a replay).
 */
export const handler = apiHandler(
  'receiveAbhiWebhook',
  TRANSACTION_REQUESTS,
  async (request) => ({
    status: 200,
    body: await receiveAbhiWebhook(webhookAdvanceDeps(), webhookDeps(), { headers: request.headers, rawBody: request.rawBody, body: request.body }),
  }),
  {
    verifyRawRequest: async ({ headers, rawBody }) => {
      verifyWebhookSignature({ secret: await webhookDeps().secret(), headers, rawBody, now: new Date() });
    },
  },
);
