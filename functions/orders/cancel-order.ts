import { cancelOrder } from '../../shared/domain/orders/cancel';
import { httpHandler } from '../../shared/http/http-handler';
import { principalOf } from '../../shared/http/principal';
import { OrderIdPathSchema } from '../../shared/schemas/orders';
import { now, orderRepository, paymentGateway, stockLedger, waitingSteps } from './root';

const deps = { orders: orderRepository(), stock: stockLedger(), payments: paymentGateway(), waits: waitingSteps(), now };

/** POST /orders/{orderId}/cancel: the owner cancels before fulfilment; stock back, payment canceled or refunded. */
export const handler = httpHandler({ path: OrderIdPathSchema }, async ({ path, event }) => ({
  status: 200,
  body: await cancelOrder(deps, principalOf(event).sub, path.orderId),
  headers: { 'Cache-Control': 'no-store' },
}));
