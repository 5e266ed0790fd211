import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { stripeWebhookSecrets } from '../../shared/adapters/cached-secrets';
import { DynamoDbPaymentEventLedger } from '../../shared/adapters/dynamodb-payment-event-ledger';
import { SqsPaymentEventQueue } from '../../shared/adapters/sqs-payment-event-queue';
import { StripeWebhookVerifier } from '../../shared/adapters/stripe-webhook-verifier';
import { requiredEnv } from '../../shared/config/env';
import { receiveWebhook } from '../../shared/domain/payments/receive-webhook';
import { httpHandler } from '../../shared/http/http-handler';
import { logger } from '../../shared/observability/powertools';
import { ENV } from '../../shared/config/env-names';

const deps = {
  // Cached for POWERTOOLS_PARAMETERS_MAX_AGE: a rotated secret is picked up without a redeploy.
  verifier: new StripeWebhookVerifier(stripeWebhookSecrets(requiredEnv(ENV.STRIPE_WEBHOOK_SECRETS_ARN))),
  ledger: new DynamoDbPaymentEventLedger(new DynamoDBClient({}), requiredEnv(ENV.PAYMENTS_TABLE)),
  queue: new SqsPaymentEventQueue(new SQSClient({}), requiredEnv(ENV.PAYMENT_EVENTS_QUEUE_URL)),
  now: () => new Date(),
};

/** POST /webhooks/stripe: verified on the raw body, recorded, queued for the payment events consumer, acknowledged. */
export const handler = httpHandler({ rawBody: true, webhook: 'stripe' }, async ({ rawBody, headers }) => {
  const result = await receiveWebhook(deps, rawBody ?? '', headers['stripe-signature']);
  logger.info('Stripe event received', { eventId: result.eventId, type: result.type, duplicate: result.duplicate });
  return { status: 200, body: { received: true, duplicate: result.duplicate } };
});
