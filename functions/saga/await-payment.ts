import { z } from 'zod';
import { awaitPayment } from '../../shared/domain/orders/saga';
import { now, orderRepository, waitingSteps } from '../orders/root';
import { sagaStep, StepInputSchema } from '../../shared/handlers/saga-step-handler';

const deps = { orders: orderRepository(), waits: waitingSteps(), now };
const InputSchema = StepInputSchema.extend({ taskToken: z.string().min(1).max(8192) });

/** AwaitPayment (.waitForTaskToken): parks the task token on the order; the Stripe webhook answers it. */
export const handler = sagaStep('AwaitPayment', InputSchema, async ({ orderId, taskToken }) => {
  await awaitPayment(deps, orderId, taskToken);
  return { waiting: true };
});
