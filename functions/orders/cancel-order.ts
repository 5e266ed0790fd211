import { cancelOwnOrder } from '../../shared/domain/orders/cancel';
import { httpHandler } from '../../shared/http/http-handler';
import { auditActorOf } from '../../shared/http/principal';
import { OrderIdPathSchema } from '../../shared/schemas/orders';
import { auditLog, now, orderRepository, paymentGateway, stockLedger, waitingSteps } from './root';

const deps = { orders: orderRepository(), stock: stockLedger(), payments: paymentGateway(), waits: waitingSteps(), audit: auditLog(), now };

/** POST /orders/{orderId}/cancel: the owner cancels before fulfilment; stock back, payment canceled or refunded. Audited. */
export const handler = httpHandler({ path: OrderIdPathSchema }, async ({ path, event }) => ({
  status: 200,
  body: await cancelOwnOrder(deps, auditActorOf(event), path.orderId),
  headers: { 'Cache-Control': 'no-store' },
}));
