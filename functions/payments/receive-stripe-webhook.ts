import { receiveWebhook } from '../../shared/domain/payments/receive-webhook';
import { httpHandler } from '../../shared/http/http-handler';
import { logger } from '../../shared/observability/powertools';
import { now, paymentEventLedger, paymentEventQueue, stripeWebhookVerifier } from './root';

const deps = {
  // The signing secrets come through the secret store: a rotated secret is picked up without a redeploy.
  verifier: stripeWebhookVerifier(),
  ledger: paymentEventLedger(),
  queue: paymentEventQueue(),
  now,
};

/** POST /webhooks/stripe: verified on the raw body, recorded, queued for the payment events consumer, acknowledged. */
export const handler = httpHandler({ rawBody: true, webhook: 'stripe' }, async ({ rawBody, headers }) => {
  const result = await receiveWebhook(deps, rawBody ?? '', headers['stripe-signature']);
  logger.info('Stripe event received', { eventId: result.eventId, type: result.type, duplicate: result.duplicate });
  return { status: 200, body: { received: true, duplicate: result.duplicate } };
});
