import * as z from '../../shared/validation/zod';
import { handOffOrder } from '../../shared/domain/orders/fulfilment';
import { sqsBatchHandler } from '../../shared/handlers/sqs-batch-handler';
import { logger } from '../../shared/observability/powertools';
import { fulfilmentProvider, now, orderRepository } from '../orders/root';

const deps = { orders: orderRepository(), provider: fulfilmentProvider(), now };

/** Consumer of the fulfilment queue: each OrderConfirmed event handed to the fulfilment provider on its own. */
export const handler = sqsBatchHandler({
  queue: 'standard',
  schema: z.object({ type: z.literal('OrderConfirmed'), orderId: z.string().check(z.minLength(1), z.maxLength(64)) }),
  handle: async ({ orderId }) => {
    const outcome = await handOffOrder(deps, orderId);
    logger.info('Fulfilment hand-off', { orderId, outcome });
  },
});
