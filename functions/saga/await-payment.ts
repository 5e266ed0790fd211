import * as z from '../../shared/validation/zod';
import { awaitPayment } from '../../shared/domain/orders/saga';
import { now, orderRepository, waitingSteps } from '../orders/root';
import { sagaStep, StepInputSchema } from '../../shared/handlers/saga-step-handler';

const deps = { orders: orderRepository(), waits: waitingSteps(), now };
const InputSchema = z.extend(StepInputSchema, { taskToken: z.string().check(z.minLength(1), z.maxLength(8192)) });

/** AwaitPayment (.waitForTaskToken): parks the task token on the order; the Stripe webhook answers it. */
export const handler = sagaStep('AwaitPayment', InputSchema, async ({ orderId, taskToken }) => {
  await awaitPayment(deps, orderId, taskToken);
  return { waiting: true };
});
