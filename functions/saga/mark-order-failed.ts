import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from '../../shared/validation/zod';
import { markOrderFailed } from '../../shared/domain/orders/saga';
import { metrics } from '../../shared/observability/powertools';
import { now, orderRepository } from '../orders/root';
import { sagaStep, StepInputSchema } from '../../shared/handlers/saga-step-handler';

const deps = { orders: orderRepository(), now };
const InputSchema = z.extend(StepInputSchema, {
  error: z.optional(z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) })),
  payment: z.optional(z.object({ paymentStatus: z.optional(z.string()) })),
});

/** MarkOrderFailed (compensation): the order ends FAILED with a reason fit for the customer. */
export const handler = sagaStep('MarkOrderFailed', InputSchema, async ({ orderId, error, payment }) => {
  const result = await markOrderFailed(deps, orderId, error, payment?.paymentStatus);
  // By cause, so a surge of declines tells apart from a surge of stock-outs or internal errors.
  metrics.addDimension('cause', error?.Error ?? 'unknown');
  metrics.addMetric('OrderFailed', MetricUnit.Count, 1);
  return result;
});
