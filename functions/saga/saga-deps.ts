import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDbOrderRepository } from '../../shared/adapters/dynamodb-order-repository';
import { DynamoDbStockLedger } from '../../shared/adapters/dynamodb-stock-ledger';
import { SfnWaitingSteps } from '../../shared/adapters/sfn-order-workflow';
import { SqsOrderEvents } from '../../shared/adapters/sqs-order-events';
import { StripePaymentGateway } from '../../shared/adapters/stripe-payment-gateway';
import { optionalEnv, requiredEnv } from '../../shared/config/env';

/**
 * Adapter factories for the order saga and the handlers around it. Each handler calls the ones it needs at module
 * scope (once per cold start), so a function only reads the environment it was bound to.
 */
const dynamodb = new DynamoDBClient({});

export const now = () => new Date();
export const orderRepository = () => new DynamoDbOrderRepository(dynamodb, requiredEnv('ORDERS_TABLE'));
export const stockLedger = () => new DynamoDbStockLedger(dynamodb, requiredEnv('CATALOG_TABLE'), requiredEnv('ORDERS_TABLE'));
export const waitingSteps = () => new SfnWaitingSteps(new SFNClient({}));
export const orderEvents = () => new SqsOrderEvents(new SQSClient({}), requiredEnv('FULFILMENT_QUEUE_URL'));

/** Stripe, with the API key read through a 5-minute cache (a rotated key needs no redeploy). */
export function paymentGateway(): StripePaymentGateway {
  const secretArn = requiredEnv('STRIPE_API_KEY_SECRET_ARN');
  const apiUrl = optionalEnv('STOCKADE_STRIPE_API_URL', '');
  return new StripePaymentGateway({
    apiKey: async () => {
      const key = await getSecret(secretArn, { maxAge: 300 });
      if (typeof key !== 'string' || key.length === 0) throw new Error('The Stripe API key secret is empty');
      return key;
    },
    ...(apiUrl ? { apiUrl } : {}),
  });
}
