import { ValidationError } from '../../shared/domain/errors';
import { refundOrder } from '../../shared/domain/orders/refund';
import { httpHandler } from '../../shared/http/http-handler';
import { auditActorOf } from '../../shared/http/principal';
import { IdempotencyKeySchema, OrderIdPathSchema, RefundBodySchema } from '../../shared/schemas/orders';
import { auditLog, now, orderRepository, paymentGateway } from './root';

const deps = { orders: orderRepository(), payments: paymentGateway(), audit: auditLog(), now };

/** POST /admin/orders/{orderId}/refund { amount?, reason }: a full or partial refund, audited. Idempotency-Key optional. */
export const handler = httpHandler({ path: OrderIdPathSchema, body: RefundBodySchema }, async ({ path, body, headers, event }) => {
  const key = headers['idempotency-key'];
  if (key !== undefined && !IdempotencyKeySchema.safeParse(key).success) {
    throw new ValidationError('The Idempotency-Key header must be 16 to 64 visible ASCII characters', [
      { path: 'headers.Idempotency-Key', message: 'invalid' },
    ]);
  }
  const order = await refundOrder(deps, auditActorOf(event), path.orderId, {
    ...body,
    ...(key ? { idempotencyKey: key } : {}),
  });
  return { status: 200, body: order, headers: { 'Cache-Control': 'no-store' } };
});
