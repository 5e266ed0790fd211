import { createPaymentIntent } from '../../shared/domain/orders/saga';
import { now, orderRepository, paymentGateway, paymentRecords } from '../orders/root';
import { sagaStep, StepInputSchema } from '../../shared/handlers/saga-step-handler';

const deps = { orders: orderRepository(), payments: paymentGateway(), records: paymentRecords(), now };

/** CreatePaymentIntent: one PaymentIntent per order (idempotency key from the order id), attached to the order. */
export const handler = sagaStep('CreatePaymentIntent', StepInputSchema, ({ orderId }) => createPaymentIntent(deps, orderId));
