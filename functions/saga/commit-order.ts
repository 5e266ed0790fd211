import { commitOrder } from '../../shared/domain/orders/saga';
import { now, stockLedger } from './saga-deps';
import { sagaStep, StepInputSchema } from './saga-step';

const deps = { stock: stockLedger(), now };

/** CommitOrder: held stock becomes sold and the order CONFIRMED, in one transaction. */
export const handler = sagaStep('CommitOrder', StepInputSchema, ({ orderId }) => commitOrder(deps, orderId));
