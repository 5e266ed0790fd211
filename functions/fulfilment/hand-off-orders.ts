import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { z } from 'zod';
import { HttpFulfilmentProvider } from '../../shared/adapters/http-fulfilment-provider';
import { requiredEnv } from '../../shared/config/env';
import { handOffOrder } from '../../shared/domain/orders/fulfilment';
import { sqsBatchHandler } from '../../shared/handlers/sqs-batch-handler';
import { logger } from '../../shared/observability/powertools';
import { now, orderRepository } from '../saga/saga-deps';
import { ENV } from '../../shared/config/env-names';

const apiKeyArn = requiredEnv(ENV.FULFILMENT_API_KEY_SECRET_ARN);
const deps = {
  orders: orderRepository(),
  provider: new HttpFulfilmentProvider(requiredEnv(ENV.FULFILMENT_API_URL), async () => {
    const key = await getSecret(apiKeyArn, { maxAge: 300 });
    if (typeof key !== 'string' || key.length === 0) throw new Error('The fulfilment API key secret is empty');
    return key;
  }),
  now,
};

/** Consumer of the fulfilment queue: each OrderConfirmed event handed to the fulfilment provider on its own. */
export const handler = sqsBatchHandler({
  queue: 'standard',
  schema: z.object({ type: z.literal('OrderConfirmed'), orderId: z.string().min(1).max(64) }),
  handle: async ({ orderId }) => {
    const outcome = await handOffOrder(deps, orderId);
    logger.info('Fulfilment hand-off', { orderId, outcome });
  },
});
