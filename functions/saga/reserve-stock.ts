import { integerEnv } from '../../shared/config/env';
import { DEFAULT_HOLD_SECONDS, reserveStock } from '../../shared/domain/orders/saga';
import { now, orderRepository, stockLedger } from './saga-deps';
import { sagaStep, StepInputSchema } from '../../shared/handlers/saga-step-handler';
import { ENV } from '../../shared/config/env-names';

const deps = { orders: orderRepository(), stock: stockLedger(), now, holdSeconds: integerEnv(ENV.HOLD_SECONDS, DEFAULT_HOLD_SECONDS) };

/** ReserveStock: every line held in one transaction; returns how long the hold runs (it bounds AwaitPayment). */
export const handler = sagaStep('ReserveStock', StepInputSchema, ({ orderId }) => reserveStock(deps, orderId));
