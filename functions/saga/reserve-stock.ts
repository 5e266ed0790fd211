import { reserveStock } from '../../shared/domain/orders/saga';
import { holdSeconds, now, orderRepository, stockLedger } from '../orders/root';
import { sagaStep, StepInputSchema } from '../../shared/handlers/saga-step-handler';

const deps = { orders: orderRepository(), stock: stockLedger(), now, holdSeconds: holdSeconds() };

/** ReserveStock: every line held in one transaction; returns how long the hold runs (it bounds AwaitPayment). */
export const handler = sagaStep('ReserveStock', StepInputSchema, ({ orderId }) => reserveStock(deps, orderId));
