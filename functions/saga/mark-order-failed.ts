import { z } from 'zod';
import { markOrderFailed } from '../../shared/domain/orders/saga';
import { now, orderRepository } from './saga-deps';
import { sagaStep, StepInputSchema } from './saga-step';

const deps = { orders: orderRepository(), now };
const InputSchema = StepInputSchema.extend({
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
  payment: z.object({ paymentStatus: z.string().optional() }).optional(),
});

/** MarkOrderFailed (compensation): the order ends FAILED with a reason fit for the customer. */
export const handler = sagaStep('MarkOrderFailed', InputSchema, ({ orderId, error, payment }) => markOrderFailed(deps, orderId, error, payment?.paymentStatus));
