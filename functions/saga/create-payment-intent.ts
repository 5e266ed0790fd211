import { createPaymentIntent } from '../../shared/domain/orders/saga';
import { now, orderRepository, paymentGateway } from './saga-deps';
import { sagaStep, StepInputSchema } from './saga-step';

const deps = { orders: orderRepository(), payments: paymentGateway(), now };

/** CreatePaymentIntent: one PaymentIntent per order (idempotency key from the order id), attached to the order. */
export const handler = sagaStep('CreatePaymentIntent', StepInputSchema, ({ orderId }) => createPaymentIntent(deps, orderId));
