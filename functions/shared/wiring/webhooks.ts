import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { claimOnce, releaseClaim } from '#shared/adapters/dynamodb/claims';
import { envVar, loadConfig } from '#shared/config';
import { postgresRepayments } from '#shared/adapters/postgres/repayments';
import type { WebhookAdvanceDeps } from '#shared/use-cases/advances/ports';
import type { WebhookDeps } from '#shared/use-cases/webhooks/abhi-webhook';
import { advanceDatabaseDeps } from './advance-database';

/**
 * Composition root of functions/webhooks: the advance ports without Abhi (#shared/wiring/advance-database, the
 * repayments), since a webhook only applies what Abhi pushed, and the webhook's own secret and replay memory.
 */
let advances: WebhookAdvanceDeps | undefined;

export function webhookAdvanceDeps(): WebhookAdvanceDeps {
  return (advances ??= { ...advanceDatabaseDeps(), repayments: postgresRepayments });
}

let webhook: WebhookDeps | undefined;

/**
 * The webhook's secret (Secrets Manager `WEBHOOK_SECRET_ID`, JSON `{ "secret": "..." }`, cached 5 min so a rotation
 * is picked up) and its replay memory (state table `WEBHOOK#<event id>` / `SEEN`, a claim-once held for the replay window).
 */
export function webhookDeps(): WebhookDeps {
  if (webhook) return webhook;
  const config = () => loadConfig({ WEBHOOK_SECRET_ID: envVar.text(), STATE_TABLE_NAME: envVar.text() });
  const webhookClaims = { tableName: () => config().STATE_TABLE_NAME };
  const webhookKey = (eventId: string) => ({ pk: `WEBHOOK#${eventId}`, sk: 'SEEN' });
  webhook = {
    async secret() {
      const value = (await getSecret(config().WEBHOOK_SECRET_ID, { transform: 'json', maxAge: 300 })) as { secret?: unknown } | undefined;
      if (typeof value?.secret !== 'string' || value.secret.length < 16) throw new Error('The webhook secret has no usable "secret" field.');
      return value.secret;
    },
    // The replay memory is a claim held for the replay window: a second delivery of the id within it is refused.
    async claimEvent(eventId, ttlSeconds) {
      return (await claimOnce(webhookClaims, webhookKey(eventId), { leaseSeconds: ttlSeconds, keepSeconds: ttlSeconds })) === 'claimed';
    },
    releaseEvent: (eventId) => releaseClaim(webhookClaims, webhookKey(eventId)),
  };
  return webhook;
}
