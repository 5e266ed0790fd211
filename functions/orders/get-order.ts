import { pollOrder } from '../../shared/domain/orders/queries';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { logger } from '../../shared/observability/powertools';
import { OrderIdPathSchema } from '../../shared/schemas/orders';
import { paymentOutcomeDeps } from './root';

const deps = {
  ...paymentOutcomeDeps(),
  onProviderError: (error: unknown) => logger.warn('Could not ask Stripe about the payment; serving the stored order', { error: (error as Error).name }),
};

/**
 * GET /orders/{orderId}: the caller's own order; anyone else's is 404. While it awaits payment, a payment Stripe has
 * finished is applied at once (the same finalizer as the webhook), so a polling storefront sees it without waiting.
 */
export const handler = httpHandler({ path: OrderIdPathSchema }, async ({ path, event }) => ({
  status: 200,
  body: await pollOrder(deps, principalOf(event).sub, path.orderId),
  headers: { 'Cache-Control': 'no-store' },
}));
