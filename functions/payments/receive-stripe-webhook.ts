import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbPaymentEventLedger } from '../../shared/adapters/dynamodb-payment-event-ledger';
import { StripeWebhookVerifier } from '../../shared/adapters/stripe-webhook-verifier';
import { requiredEnv } from '../../shared/config/env';
import { receivePaymentOutcome } from '../../shared/domain/orders/saga';
import { receiveWebhook } from '../../shared/domain/payments/receive-webhook';
import { httpHandler } from '../../shared/http/http-handler';
import { logger } from '../../shared/observability/powertools';
import { now, orderRepository, paymentGateway, waitingSteps } from '../saga/saga-deps';

const secretsArn = requiredEnv('STRIPE_WEBHOOK_SECRETS_ARN');
const payment = { orders: orderRepository(), waits: waitingSteps(), payments: paymentGateway(), now };
const deps = {
  // A cached read: a rotated secret is picked up within a minute, without a redeploy.
  verifier: new StripeWebhookVerifier(async () => {
    const secrets = await getSecret(secretsArn, { maxAge: 60, transform: 'json' });
    if (!Array.isArray(secrets) || secrets.some((s) => typeof s !== 'string')) throw new Error('The Stripe webhook secret must be a JSON array of strings');
    return secrets as string[];
  }),
  ledger: new DynamoDbPaymentEventLedger(new DynamoDBClient({}), requiredEnv('PAYMENTS_TABLE')),
  now,
  onPaymentOutcome: (orderId: string, outcome: Parameters<typeof receivePaymentOutcome>[2]) => receivePaymentOutcome(payment, orderId, outcome),
};

/** POST /webhooks/stripe: verified on the raw body, acted on (the waiting order saga), recorded once, acknowledged. */
export const handler = httpHandler({ rawBody: true }, async ({ rawBody, headers }) => {
  const result = await receiveWebhook(deps, rawBody ?? '', headers['stripe-signature']);
  logger.info('Stripe event received', { eventId: result.eventId, type: result.type, duplicate: result.duplicate, effect: result.effect });
  return { status: 200, body: { received: true, duplicate: result.duplicate } };
});
