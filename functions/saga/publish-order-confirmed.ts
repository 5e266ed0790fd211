import { publishOrderConfirmed } from '../../shared/domain/orders/saga';
import { orderEvents } from '../orders/root';
import { sagaStep, StepInputSchema } from '../../shared/handlers/saga-step-handler';

const deps = { events: orderEvents() };

/** PublishOrderConfirmed: OrderConfirmed on the fulfilment queue. */
export const handler = sagaStep('PublishOrderConfirmed', StepInputSchema, async ({ orderId }) => {
  await publishOrderConfirmed(deps, orderId);
  return { published: true };
});
