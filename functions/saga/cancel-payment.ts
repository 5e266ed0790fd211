import { cancelOrRefundPayment } from '../../shared/domain/orders/saga';
import { orderRepository, paymentGateway } from '../orders/root';
import { sagaStep, StepInputSchema } from '../../shared/handlers/saga-step-handler';

const deps = { orders: orderRepository(), payments: paymentGateway() };

/** CancelOrRefundPayment (compensation): cancel the PaymentIntent, or refund it if it already took the money. */
export const handler = sagaStep('CancelOrRefundPayment', StepInputSchema, ({ orderId }) => cancelOrRefundPayment(deps, orderId));
