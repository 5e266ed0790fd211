import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbPaymentEventLedger } from '../../shared/adapters/dynamodb-payment-event-ledger';
import { SqsPaymentEventQueue } from '../../shared/adapters/sqs-payment-event-queue';
import { StripeWebhookVerifier } from '../../shared/adapters/stripe-webhook-verifier';
import { requiredEnv } from '../../shared/config/env';
import { receiveWebhook } from '../../shared/domain/payments/receive-webhook';
import { httpHandler } from '../../shared/http/http-handler';
import { logger } from '../../shared/observability/powertools';

const secretsArn = requiredEnv('STRIPE_WEBHOOK_SECRETS_ARN');
const deps = {
  // A cached read: a rotated secret is picked up within a minute, without a redeploy.
  verifier: new StripeWebhookVerifier(async () => {
    const secrets = await getSecret(secretsArn, { maxAge: 60, transform: 'json' });
    if (!Array.isArray(secrets) || secrets.some((s) => typeof s !== 'string')) throw new Error('The Stripe webhook secret must be a JSON array of strings');
    return secrets as string[];
  }),
  ledger: new DynamoDbPaymentEventLedger(new DynamoDBClient({}), requiredEnv('PAYMENTS_TABLE')),
  queue: new SqsPaymentEventQueue(new SQSClient({}), requiredEnv('PAYMENT_EVENTS_QUEUE_URL')),
  now: () => new Date(),
};

/** POST /webhooks/stripe: verified on the raw body, recorded, queued for the payment events consumer, acknowledged. */
export const handler = httpHandler({ rawBody: true }, async ({ rawBody, headers }) => {
  const result = await receiveWebhook(deps, rawBody ?? '', headers['stripe-signature']);
  logger.info('Stripe event received', { eventId: result.eventId, type: result.type, duplicate: result.duplicate });
  return { status: 200, body: { received: true, duplicate: result.duplicate } };
});
